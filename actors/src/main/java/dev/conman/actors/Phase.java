package dev.conman.actors;

/**
 * The lifecycle phase of a container, derived from its events (never stored on its own).
 *
 * <pre>
 * CREATING -> CREATED -> STARTING -> RUNNING -> (STOPPING) -> EXITED -> DELETING -> DELETED
 *     \-> CREATE_FAILED            \-> FAILED  \<-> PAUSED
 * UNKNOWN: found at restart that runc lost a container that never ran.
 * </pre>
 */
public enum Phase {
  CREATING, CREATED, STARTING, RUNNING, STOPPING, EXITED, FAILED, UNKNOWN, DELETING, DELETED, CREATE_FAILED,
  /** Its processes are frozen (runc pause); they still exist, and resume where they were. */
  PAUSED;

  /** Whether the container's process can no longer run: waiters are answered on entering these. */
  public boolean finished() {
    return switch (this) {
      case EXITED, FAILED, UNKNOWN, DELETING, DELETED, CREATE_FAILED -> true;
      default -> false;
    };
  }
}
