package dev.conman.reconcile;

import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeFailure;
import dev.conman.runc.RuntimeState;
import java.time.Duration;
import java.util.Optional;

/**
 * Gathers an {@link Observation} of one container. Blocking: runs on the blocking dispatcher.
 *
 * <p>At a daemon start every container is observed at once: one {@code runc list}, shared by all
 * observations and the supervisor's search for orphans for {@link #SNAPSHOT_TTL}, replaces a
 * {@code runc state} process per container.
 *
 * <p>runc reports "stopped" a moment before conmon has written the exit file; a stopped container
 * without an exit file is therefore looked at again for {@code exitFileGrace} before its exit code
 * is declared unknown.
 */
public final class Observer {

  static final Duration SNAPSHOT_TTL = Duration.ofSeconds(2);

  private final ContainerRuntime runtime;
  private final Duration exitFileGrace;
  private java.util.Map<String, RuntimeState> snapshot;
  private long snapshotAt;

  public Observer(ContainerRuntime runtime, Duration exitFileGrace) {
    this.runtime = runtime;
    this.exitFileGrace = exitFileGrace;
  }

  public Observation observe(String id) throws RuntimeFailure, InterruptedException {
    Optional<ExitRecord> exit = runtime.exitRecord(id);
    Optional<RuntimeState> runc = Optional.ofNullable(snapshot().get(id));
    if (exit.isEmpty() && runc.map(s -> s.status() == RuntimeState.Status.STOPPED).orElse(false)) {
      long deadline = System.nanoTime() + exitFileGrace.toNanos();
      while (exit.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
        exit = runtime.exitRecord(id);
      }
    }
    return new Observation(runc, exit);
  }

  /** Every container in runc's root, as runc saw it at most {@link #SNAPSHOT_TTL} ago. Blocking. */
  public java.util.List<RuntimeState> list() throws RuntimeFailure {
    return java.util.List.copyOf(snapshot().values());
  }

  /** runc's view of all containers, at most {@link #SNAPSHOT_TTL} old; callers wait for one list. */
  private synchronized java.util.Map<String, RuntimeState> snapshot() throws RuntimeFailure {
    if (snapshot == null || System.nanoTime() - snapshotAt > SNAPSHOT_TTL.toNanos()) {
      java.util.Map<String, RuntimeState> byId = new java.util.HashMap<>();
      runtime.list().forEach(s -> byId.put(s.id(), s));
      snapshot = byId;
      snapshotAt = System.nanoTime();
    }
    return snapshot;
  }
}
