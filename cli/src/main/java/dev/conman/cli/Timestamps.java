package dev.conman.cli;

import com.google.protobuf.Timestamp;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;

/**
 * Protobuf Timestamps to and from java.time, and the two ways conmanctl writes a precise time:
 * local with milliseconds for people, RFC 3339 in UTC for scripts.
 */
final class Timestamps {
  private static final DateTimeFormatter LOCAL_MILLIS =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX");

  private Timestamps() {}

  static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  static Timestamp of(Instant i) {
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  /** 2024-05-01T12:00:03.123+02:00 in {@code zone}. */
  static String local(Timestamp t, ZoneId zone) {
    return LOCAL_MILLIS.format(instant(t).atZone(zone));
  }

  /** RFC 3339 in UTC, as protobuf's own JSON mapping writes a Timestamp; null when unset. */
  static String json(boolean set, Timestamp t) {
    return set ? instant(t).toString() : null;
  }
}
