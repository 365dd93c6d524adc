package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ExitSignalsTest {

  /** Rechecks so rare that a wait which ends was ended by the signal, not by reading again. */
  private final ExitSignals signals = new ExitSignals(Duration.ofHours(1));

  @Test
  void aWaiterReadsTheExitAgainWhenItsContainerIsSignalled() throws Exception {
    AtomicReference<String> file = new AtomicReference<>();
    AtomicInteger reads = new AtomicInteger();
    CompletableFuture<Optional<String>> waited = CompletableFuture.supplyAsync(() -> {
      try {
        return signals.await("c1", Duration.ofHours(1), () -> {
          reads.incrementAndGet();
          return Optional.ofNullable(file.get());
        });
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
    while (reads.get() == 0) {
      Thread.onSpinWait();
    }
    signals.exited("c2"); // another container's exit does not wake it
    file.set("exit 0");
    signals.exited("c1");
    assertEquals(Optional.of("exit 0"), waited.get(30, TimeUnit.SECONDS));
    assertTrue(reads.get() <= 3, "read " + reads.get() + " times");
  }

  @Test
  void anExitAlreadyWrittenIsReturnedAtOnceAndAMissingOneAtTheLimit() throws Exception {
    assertEquals(Optional.of(7), signals.await("c1", Duration.ofHours(1), () -> Optional.of(7)));
    assertEquals(Optional.empty(), signals.await("c1", Duration.ZERO, Optional::empty));
  }

  @Test
  void withoutASignalTheExitIsFoundByRechecking() throws Exception {
    ExitSignals polling = new ExitSignals(Duration.ofMillis(1));
    AtomicInteger reads = new AtomicInteger();
    assertEquals(Optional.of("late"), polling.await("c1", Duration.ofHours(1),
        () -> reads.incrementAndGet() < 3 ? Optional.empty() : Optional.of("late")));
  }
}
