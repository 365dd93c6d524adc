package dev.conman.cli;

import com.google.protobuf.ByteString;
import com.google.protobuf.UnsafeByteOperations;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/**
 * The bytes {@code logs} writes for each log entry: the container's bytes as they are, a newline
 * unless the entry is partial (the line continues in the next entry of its stream), and with
 * --timestamps the entry's time before each line. A partial line's continuation gets no time:
 * the prefix is only at the start of a line, tracked per stream because stdout and stderr
 * interleave. One instance per stream of entries.
 */
final class LogFormat {
  /** RFC 3339 in UTC, always 9 fraction digits so that the lines stay aligned. */
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSSSSSSS'Z'").withZone(ZoneOffset.UTC);

  private final boolean timestamps;
  private boolean stdoutMidLine;
  private boolean stderrMidLine;

  LogFormat(boolean timestamps) {
    this.timestamps = timestamps;
  }

  /** Entries without a stream came from stdout. */
  static boolean isStderr(LogEntry e) {
    return e.getStream() == LogStream.LOG_STREAM_STDERR;
  }

  /** What to write for this entry, in one piece so that it is one write. */
  ByteString bytes(LogEntry e) {
    boolean midLine = isStderr(e) ? stderrMidLine : stdoutMidLine;
    if (isStderr(e)) {
      stderrMidLine = e.getPartial();
    } else {
      stdoutMidLine = e.getPartial();
    }
    ByteArrayOutputStream line = new ByteArrayOutputStream(e.getData().size() + 32);
    try {
      if (timestamps && !midLine) {
        line.write(time(e).getBytes(StandardCharsets.US_ASCII));
        line.write(' ');
      }
      e.getData().writeTo(line);
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    if (!e.getPartial()) {
      line.write('\n');
    }
    return UnsafeByteOperations.unsafeWrap(line.toByteArray());
  }

  /** 2024-05-01T10:00:00.000000001Z: the time conmon read the bytes, to the nanosecond. */
  static String time(LogEntry e) {
    return TIME.format(Timestamps.instant(e.getTime()));
  }
}
