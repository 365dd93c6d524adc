package dev.conman.runc;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Wakes a thread that waits for a container's exit file (a stop, a forced delete) as soon as the
 * {@link ExitWatcher} sees the file, instead of letting it find the file at its next poll: polling
 * every 25 ms made every stop last 25 ms longer than the process took to die. The wait still reads
 * the file again every {@code recheck}, so an exit the watcher missed is found as before.
 */
public final class ExitSignals {

  private final Map<String, Semaphore> waiting = new ConcurrentHashMap<>();
  private final Duration recheck;

  /** @param recheck how often a waiter reads the exit file even without a signal */
  public ExitSignals(Duration recheck) {
    this.recheck = recheck;
  }

  /** From the exit watcher: the exit file of {@code id} was written. */
  public void exited(String id) {
    Semaphore waiter = waiting.get(id);
    if (waiter != null) {
      waiter.release();
    }
  }

  /**
   * Reads the exit with {@code read} until it is there or {@code limit} has passed, again after
   * each signal for {@code id} and every {@code recheck}. One waiter per container at a time (its
   * actor runs one operation at a time); a second one for the same id still finds the exit by
   * rechecking.
   */
  public <T> Optional<T> await(String id, Duration limit, Supplier<Optional<T>> read) throws InterruptedException {
    Semaphore signal = new Semaphore(0);
    waiting.put(id, signal);
    try {
      long deadline = System.nanoTime() + limit.toNanos();
      while (true) {
        // registered before reading: an exit written in between is signalled, not missed
        Optional<T> exit = read.get();
        long left = deadline - System.nanoTime();
        if (exit.isPresent() || left <= 0) {
          return exit;
        }
        signal.tryAcquire(Math.min(left, recheck.toNanos()), TimeUnit.NANOSECONDS);
      }
    } finally {
      waiting.remove(id, signal);
    }
  }
}
