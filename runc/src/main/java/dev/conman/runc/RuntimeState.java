package dev.conman.runc;

import java.time.Instant;

/**
 * What runc reports about one container.
 *
 * @param status runc's status: created, running, paused, stopped
 * @param pid    host pid of the init process; 0 when stopped
 */
public record RuntimeState(String id, Status status, int pid, Instant created) {

  /** runc's container statuses. */
  public enum Status {
    CREATING, CREATED, RUNNING, PAUSED, STOPPED;

    public static Status parse(String s) {
      return valueOf(s.trim().toUpperCase(java.util.Locale.ROOT));
    }
  }
}
