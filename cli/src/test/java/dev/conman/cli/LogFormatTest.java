package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class LogFormatTest {
  private static LogEntry.Builder entry(LogStream stream, String data) {
    return LogEntry.newBuilder().setStream(stream)
        .setTime(ContainerFormatTest.ts("2026-11-28T10:00:00Z").toBuilder().setNanos(5))
        .setData(ByteString.copyFrom(data, StandardCharsets.ISO_8859_1));
  }

  private static String text(ByteString bytes) {
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void theBytesAsTheyAreWithANewlineUnlessPartial() {
    LogFormat plain = new LogFormat(false);
    assertEquals("a\u00e9\u0000\n", text(plain.bytes(entry(LogStream.LOG_STREAM_STDOUT,
        "a\u00e9\u0000").build())));
    assertEquals("", text(plain.bytes(entry(LogStream.LOG_STREAM_STDOUT, "").setPartial(true)
        .build())));
    assertEquals("\n", text(plain.bytes(entry(LogStream.LOG_STREAM_STDOUT, "").build())));
  }

  @Test
  void timesAreUtcToTheNanosecondAtTheStartOfEachLineOfEachStream() {
    LogFormat stamped = new LogFormat(true);
    assertEquals("2026-11-28T10:00:00.000000005Z out-", text(stamped.bytes(
        entry(LogStream.LOG_STREAM_STDOUT, "out-").setPartial(true).build())));
    assertEquals("2026-11-28T10:00:00.000000005Z err\n",
        text(stamped.bytes(entry(LogStream.LOG_STREAM_STDERR, "err").build())));
    assertEquals("continued\n",
        text(stamped.bytes(entry(LogStream.LOG_STREAM_STDOUT, "continued").build())));
    assertEquals("2026-11-28T10:00:00.000000005Z new\n",
        text(stamped.bytes(entry(LogStream.LOG_STREAM_STDOUT, "new").build())));
  }

  @Test
  void entriesWithoutAStreamAreStdout() {
    assertFalse(LogFormat.isStderr(LogEntry.getDefaultInstance()));
    assertTrue(LogFormat.isStderr(entry(LogStream.LOG_STREAM_STDERR, "").build()));
  }
}
