package dev.conman.reconcile;

import java.time.Instant;

/**
 * The correction a container's journal needs after comparing its {@link Belief} with an
 * {@link Observation}. Each finding other than {@link Unchanged} is journaled as a Reconciled event.
 */
public sealed interface Finding {

  /** Why the daemon concluded what it did; shown to users and kept in the journal. */
  String reason();

  /** The journal agrees with the host. */
  record Unchanged(String reason) implements Finding {}

  /** runc holds the container in its created state. */
  record NowCreated(int pid, String reason) implements Finding {}

  /** The container's process runs. */
  record NowRunning(int pid, String reason) implements Finding {}

  /** The container's processes exist, frozen (runc pause). */
  record NowPaused(int pid, String reason) implements Finding {}

  /** The process has ended; {@code exitCode} is null when nobody recorded it (never a made-up 0). */
  record NowExited(Integer exitCode, Instant finishedAt, String reason, boolean oomKilled) implements Finding {
    public NowExited(Integer exitCode, Instant finishedAt, String reason) {
      this(exitCode, finishedAt, reason, false);
    }
  }

  /** The container never ran and runc no longer knows it. */
  record Lost(String reason) implements Finding {}

  /** runc create never completed: there is no container to keep. */
  record NeverCreated(String reason) implements Finding {}

  /** A delete was interrupted; it must be carried out again. */
  record ResumeDelete(String reason) implements Finding {}
}
