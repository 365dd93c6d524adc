package dev.conman.grpc.io;

import dev.conman.api.v1.LogStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.Arrays;
import java.util.Optional;

/**
 * One line of conmon's CRI log: {@code TIME STREAM TAGS CONTENT}, e.g.
 * {@code 2026-11-28T19:54:39.542817284+00:00 stdout F hello}. Tag F is a full line, P a part of a
 * line that continues in the next one. The content is raw bytes: never decoded as text.
 */
record CriLogLine(Instant time, LogStream stream, boolean partial, byte[] data) {

  /** Empty for a malformed line (e.g. one cut by log truncation): skipped, never fatal. */
  static Optional<CriLogLine> parse(byte[] line) {
    int s1 = indexOf(line, ' ', 0);
    int s2 = s1 < 0 ? -1 : indexOf(line, ' ', s1 + 1);
    int s3 = s2 < 0 ? -1 : indexOf(line, ' ', s2 + 1);
    if (s3 < 0) {
      // "TIME STREAM F" with empty content has no third space
      s3 = line.length;
      if (s2 < 0) {
        return Optional.empty();
      }
    }
    try {
      Instant time = OffsetDateTime.parse(new String(line, 0, s1, StandardCharsets.US_ASCII)).toInstant();
      String streamName = new String(line, s1 + 1, s2 - s1 - 1, StandardCharsets.US_ASCII);
      LogStream stream = switch (streamName) {
        case "stdout" -> LogStream.LOG_STREAM_STDOUT;
        case "stderr" -> LogStream.LOG_STREAM_STDERR;
        default -> null;
      };
      if (stream == null) {
        return Optional.empty();
      }
      String tags = new String(line, s2 + 1, s3 - s2 - 1, StandardCharsets.US_ASCII);
      boolean partial = tags.split(":")[0].equals("P");
      byte[] data = s3 >= line.length ? new byte[0] : Arrays.copyOfRange(line, s3 + 1, line.length);
      return Optional.of(new CriLogLine(time, stream, partial, data));
    } catch (DateTimeParseException | StringIndexOutOfBoundsException e) {
      return Optional.empty();
    }
  }

  private static int indexOf(byte[] b, char c, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == c) {
        return i;
      }
    }
    return -1;
  }
}
