package dev.conman.reconcile;

import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeState;
import java.time.Instant;
import java.util.Optional;

/**
 * Decides what is true about a container after a daemon restart, from what the journal believes
 * and what runc and conmon's exit file say. Pure: no I/O, so every case is a unit test.
 *
 * <p>The exit file wins over everything else: conmon writes it only after the container's process
 * has ended, and container ids are never reused. Without an exit file, a process that is gone has an
 * unknown exit code, never a made-up 0.
 */
public final class Reconciliation {

  private Reconciliation() {}

  public static Finding decide(Belief belief, Observation seen, Instant now) {
    if (belief == Belief.DELETING) {
      return new Finding.ResumeDelete("the daemon stopped during a delete; completing it");
    }
    Optional<ExitRecord> exit = seen.exit();
    if (exit.isPresent()) {
      return new Finding.NowExited(exit.get().exitCode(), exit.get().finishedAt(),
          "exited while the daemon was not watching (exit file says " + exit.get().exitCode()
              + (exit.get().oomKilled() ? ", OOMKilled" : "") + ")", exit.get().oomKilled());
    }
    RuntimeState.Status status = seen.runc().map(RuntimeState::status).orElse(null);
    int pid = seen.runc().map(RuntimeState::pid).orElse(0);
    if (status == RuntimeState.Status.RUNNING) {
      return switch (belief) {
        case RUNNING -> new Finding.Unchanged("running, as journaled");
        case STOPPING -> new Finding.NowRunning(pid, "a stop was interrupted by a daemon restart; still running");
        case PAUSED -> new Finding.NowRunning(pid, "runc reports the container running: it was resumed without the"
            + " daemon");
        default -> new Finding.NowRunning(pid, "runc reports the container running");
      };
    }
    if (status == RuntimeState.Status.PAUSED) {
      return switch (belief) {
        case PAUSED -> new Finding.Unchanged("paused, as journaled");
        case STOPPING -> new Finding.NowPaused(pid, "a stop was interrupted by a daemon restart; still there, paused");
        default -> new Finding.NowPaused(pid, "runc reports the container paused");
      };
    }
    if (status == RuntimeState.Status.CREATED || status == RuntimeState.Status.CREATING) {
      return switch (belief) {
        case CREATED -> new Finding.Unchanged("created, as journaled");
        case STARTING -> new Finding.NowCreated(pid, "the daemon stopped before the start took effect");
        default -> new Finding.NowCreated(pid, "runc reports the container created");
      };
    }
    String where = status == null ? "runc no longer knows the container" : "runc reports it stopped";
    return switch (belief) {
      case CREATING -> new Finding.NeverCreated(
          "the daemon stopped during runc create and " + where);
      case CREATED -> new Finding.Lost(where + " and it never started (host reboot or removed by hand?)");
      default -> new Finding.NowExited(null, now,
          where + " and no exit file exists (the shim died too): exit code unknown");
    };
  }
}
