package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import java.time.Duration;

/**
 * When a container's actor restarts its container after it exits: docker's policies. A container
 * stopped or deleted by a user is never restarted.
 *
 * @param maxRetries for ON_FAILURE: the most restarts (0: no limit)
 */
public record RestartPolicy(Kind kind, int maxRetries) implements CborSerializable {

  public enum Kind { NO, ON_FAILURE, ALWAYS, UNLESS_STOPPED }

  public static final RestartPolicy NO = new RestartPolicy(Kind.NO, 0);

  /** First backoff delay; doubles per consecutive restart up to {@link #MAX_DELAY}. */
  static final Duration FIRST_DELAY = Duration.ofMillis(100);
  static final Duration MAX_DELAY = Duration.ofMinutes(1);
  /** A run at least this long resets the backoff. */
  static final Duration STABLE_RUN = Duration.ofSeconds(10);

  /** Parses {@code no|on-failure[:MAX]|always|unless-stopped}; empty means no. */
  public static RestartPolicy parse(String text) {
    String t = text == null ? "" : text.strip();
    if (t.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      throw ContainerException.invalid("restart policy must not contain control characters");
    }
    if (t.isEmpty() || t.equals("no")) {
      return NO;
    }
    if (t.equals("always")) {
      return new RestartPolicy(Kind.ALWAYS, 0);
    }
    if (t.equals("unless-stopped")) {
      return new RestartPolicy(Kind.UNLESS_STOPPED, 0);
    }
    if (t.equals("on-failure") || t.startsWith("on-failure:")) {
      int max = 0;
      if (t.length() > "on-failure".length()) {
        try {
          max = Integer.parseInt(t.substring("on-failure:".length()));
        } catch (NumberFormatException e) {
          max = -1;
        }
        if (max < 1) {
          throw ContainerException.invalid("restart policy '" + text + "': the most retries after on-failure: must be"
              + " a positive number");
        }
      }
      return new RestartPolicy(Kind.ON_FAILURE, max);
    }
    throw ContainerException.invalid("unknown restart policy '" + text
        + "'; use no, on-failure[:MAX], always or unless-stopped");
  }

  /** Whether an exit with {@code exitCode} (null: unknown) after {@code restarts} restarts calls for another. */
  boolean restartAfter(Integer exitCode, int restarts) {
    return switch (kind) {
      case NO -> false;
      case ALWAYS, UNLESS_STOPPED -> true;
      case ON_FAILURE -> (exitCode == null || exitCode != 0) && (maxRetries == 0 || restarts < maxRetries);
    };
  }

  /** The delay before restart number {@code attempt} of a crash loop (1: the first). */
  static Duration delay(int attempt) {
    long millis = FIRST_DELAY.toMillis() << Math.min(attempt - 1, 20);
    return Duration.ofMillis(Math.min(millis, MAX_DELAY.toMillis()));
  }

  @Override
  public String toString() {
    return switch (kind) {
      case NO -> "no";
      case ALWAYS -> "always";
      case UNLESS_STOPPED -> "unless-stopped";
      case ON_FAILURE -> maxRetries == 0 ? "on-failure" : "on-failure:" + maxRetries;
    };
  }
}
