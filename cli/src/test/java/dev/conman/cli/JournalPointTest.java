package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class JournalPointTest {
  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");

  private static JournalPoint parse(String text) {
    return JournalPoint.parse(text, JournalPoint.OFFSET, NOW);
  }

  private static Instant timeOf(String text) {
    JournalPoint p = parse(text);
    assertTrue(p.isTime(), text);
    return p.time();
  }

  @Test
  void rfc3339TimesInUtcOrWithAnOffset() {
    assertEquals(Instant.parse("2026-11-28T10:00:00Z"), timeOf("2026-11-28T10:00:00Z"));
    assertEquals(Instant.parse("2026-11-28T10:00:00Z"), timeOf("2026-11-28T11:00:00+01:00"));
    assertEquals(Instant.parse("2026-11-28T10:00:00.250Z"), timeOf("2026-11-28t10:00:00.25z"));
  }

  @Test
  void durationsAreBackFromNow() {
    assertEquals(NOW.minusSeconds(30), timeOf("30s"));
    assertEquals(NOW.minus(Duration.ofMinutes(10)), timeOf("10m"));
    assertEquals(NOW.minus(Duration.ofHours(2)), timeOf("2h"));
    assertEquals(NOW.minus(Duration.ofMinutes(90)), timeOf("1h30m"));
    assertEquals(NOW.minus(Duration.ofDays(2)), timeOf("2d"));
    assertEquals(NOW.minus(Duration.ofSeconds(86_400 + 3_600 + 60 + 1)), timeOf("1d1h1m1s"));
    assertEquals(NOW, timeOf("0s"));
  }

  @Test
  void aPlainNumberIsAnOffsetOrSequence() {
    JournalPoint p = parse("42");
    assertFalse(p.isTime());
    assertEquals(42L, p.number());
    assertEquals(0L, parse("0").number());
  }

  @Test
  void toStringIsWhatResumesAtTheSamePoint() {
    assertEquals("42", parse("42").toString());
    assertEquals("2026-11-28T11:50:00Z", parse("10m").toString());
  }

  @Test
  void badValuesNameTheAcceptedForms() {
    for (String bad : List.of("", "-1", "yesterday", "10x", "m", "1m1h", "2026-11-28",
        "2026-11-28T10:00:00", "99999999999999999999", "9999999999999999d", "1.5h")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> parse(bad),
          bad);
      assertTrue(e.getMessage().startsWith("'" + bad + "' is not a time, a duration or a journal"
          + " offset: use an RFC 3339 time (2026-11-28T10:00:00Z"), e.getMessage());
      assertTrue(e.getMessage().contains("1h30m"), e.getMessage());
    }
  }

  @Test
  void theMessageSaysWhatANumberMeans() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> JournalPoint.parse("soon", JournalPoint.SEQUENCE, NOW));
    assertTrue(e.getMessage().contains("or a sequence number (0, 1, 2, ...)"), e.getMessage());
  }

  @Test
  void aTimeAloneIsATimeOrADurationButNeverANumber() {
    assertEquals(Instant.parse("2026-11-28T10:00:00Z"),
        JournalPoint.time("2026-11-28T11:00:00+01:00", NOW));
    assertEquals(NOW.minusSeconds(30), JournalPoint.time("30s", NOW));
    for (String bad : List.of("42", "0", "", "yesterday")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> JournalPoint.time(bad, NOW), bad);
      assertEquals("'" + bad + "' is not a time or a duration: use an RFC 3339 time"
          + " (2026-11-28T10:00:00Z, 2026-11-28T11:00:00+01:00) or a duration back from now (30s,"
          + " 10m, 2h, 1h30m, 2d)", e.getMessage());
    }
  }
}
