package dev.conman.cli;

import com.google.protobuf.Timestamp;
import java.time.DateTimeException;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A point in the journal as given to --since, --until and --at: a moment, written as an RFC 3339
 * time or as a duration back from now, or a plain number, which is a journal offset (events) or
 * one container's event sequence number (status --at). A duration is resolved when the command
 * line is parsed, so "10m" is ten minutes before conmanctl started. {@code logs --since} takes
 * only a moment ({@link TimeConverter}): a log has no offsets.
 */
record JournalPoint(Instant time, Long number) {
  private static final Pattern NUMBER = Pattern.compile("[0-9]+");
  /** 2d, 2h, 10m, 30s and their combinations from largest to smallest unit, such as 1h30m. */
  private static final Pattern DURATION =
      Pattern.compile("(?:([0-9]+)d)?(?:([0-9]+)h)?(?:([0-9]+)m)?(?:([0-9]+)s)?");
  static final String OFFSET = "journal offset";
  static final String SEQUENCE = "sequence number";

  boolean isTime() {
    return time != null;
  }

  Timestamp timestamp() {
    return Timestamps.of(time);
  }

  /** What the user would type to mean the same point again: the number, or the UTC time. */
  @Override
  public String toString() {
    return isTime() ? time.toString() : number.toString();
  }

  /**
   * @param numberMeaning what a plain number means here ({@link #OFFSET} or {@link #SEQUENCE}),
   *     for the error message
   * @throws IllegalArgumentException naming the accepted forms
   */
  static JournalPoint parse(String text, String numberMeaning, Instant now) {
    if (NUMBER.matcher(text).matches()) {
      try {
        return new JournalPoint(null, Long.parseLong(text));
      } catch (NumberFormatException e) {
        throw notAPoint(text, numberMeaning);
      }
    }
    return new JournalPoint(moment(text, now, numberMeaning), null);
  }

  /**
   * An RFC 3339 time or a duration back from {@code now}; a plain number is not accepted.
   *
   * @throws IllegalArgumentException naming the accepted forms
   */
  static Instant time(String text, Instant now) {
    return moment(text, now, null);
  }

  /** @param numberMeaning null when numbers are not accepted, only for the error message */
  private static Instant moment(String text, Instant now, String numberMeaning) {
    try {
      Matcher duration = DURATION.matcher(text);
      if (!text.isEmpty() && duration.matches()) {
        return now.minus(duration(duration));
      }
      // RFC 3339 allows a lowercase t and z
      return OffsetDateTime.parse(text.toUpperCase(Locale.ROOT),
          DateTimeFormatter.ISO_OFFSET_DATE_TIME).toInstant();
    } catch (DateTimeException | ArithmeticException | NumberFormatException e) {
      throw notAPoint(text, numberMeaning);
    }
  }

  private static IllegalArgumentException notAPoint(String text, String numberMeaning) {
    String times = "an RFC 3339 time (2026-11-28T10:00:00Z, 2026-11-28T11:00:00+01:00)";
    String durations = "a duration back from now (30s, 10m, 2h, 1h30m, 2d)";
    return new IllegalArgumentException(numberMeaning == null
        ? "'" + text + "' is not a time or a duration: use " + times + " or " + durations
        : "'" + text + "' is not a time, a duration or a " + numberMeaning + ": use " + times
            + ", " + durations + " or a " + numberMeaning + " (0, 1, 2, ...)");
  }

  private static Duration duration(Matcher m) {
    Duration d = Duration.ZERO;
    long[] unitSeconds = {86_400, 3_600, 60, 1};
    for (int group = 1; group <= unitSeconds.length; group++) {
      if (m.group(group) != null) {
        d = d.plus(Duration.ofSeconds(
            Math.multiplyExact(Long.parseLong(m.group(group)), unitSeconds[group - 1])));
      }
    }
    return d;
  }

  /** --since and --until: a plain number is a journal offset. */
  static final class OffsetConverter implements ITypeConverter<JournalPoint> {
    @Override
    public JournalPoint convert(String value) {
      return convertOrExplain(value, OFFSET);
    }
  }

  /** status --at: a plain number is a sequence number in the container's own history. */
  static final class SequenceConverter implements ITypeConverter<JournalPoint> {
    @Override
    public JournalPoint convert(String value) {
      return convertOrExplain(value, SEQUENCE);
    }
  }

  /** logs --since: only a time or a duration; a number is a usage error. */
  static final class TimeConverter implements ITypeConverter<Instant> {
    @Override
    public Instant convert(String value) {
      try {
        return time(value, Instant.now());
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  private static JournalPoint convertOrExplain(String value, String numberMeaning) {
    try {
      return parse(value, numberMeaning, Instant.now());
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
