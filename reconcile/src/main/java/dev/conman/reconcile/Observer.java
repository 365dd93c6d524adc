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
 * <p>runc reports "stopped" a moment before conmon has written the exit file; a stopped container
 * without an exit file is therefore looked at again for {@code exitFileGrace} before its exit code
 * is declared unknown.
 */
public final class Observer {

  private final ContainerRuntime runtime;
  private final Duration exitFileGrace;

  public Observer(ContainerRuntime runtime, Duration exitFileGrace) {
    this.runtime = runtime;
    this.exitFileGrace = exitFileGrace;
  }

  public Observation observe(String id) throws RuntimeFailure, InterruptedException {
    Optional<ExitRecord> exit = runtime.exitRecord(id);
    Optional<RuntimeState> runc = runtime.state(id);
    if (exit.isEmpty() && runc.map(s -> s.status() == RuntimeState.Status.STOPPED).orElse(false)) {
      long deadline = System.nanoTime() + exitFileGrace.toNanos();
      while (exit.isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(50);
        exit = runtime.exitRecord(id);
      }
    }
    return new Observation(runc, exit);
  }
}
