package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SyncFifoTest {

  private final CommandRunner runner = new CommandRunner();

  private static long inSeconds(int seconds) {
    return System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
  }

  @Test
  void readsTheFirstLineAWriterSends(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("x.sync");
    try (SyncFifo fifo = SyncFifo.open(path, runner, Duration.ofSeconds(5))) {
      runner.run(Command.of("sh", "-c", "exec 3>\"$0\"; printf '{\"data\": 42}\\n' >&3; sleep 0.2",
          path.toString()), Duration.ofSeconds(5));
      assertEquals(Optional.of("{\"data\": 42}"), fifo.awaitLine(inSeconds(5)));
    }
    assertFalse(Files.exists(path));
  }

  @Test
  void aWriterThatClosesWithoutALineYieldsEmpty(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("x.sync");
    try (SyncFifo fifo = SyncFifo.open(path, runner, Duration.ofSeconds(5))) {
      runner.run(Command.of("sh", "-c", "exec 3>\"$0\"; exit 1", path.toString()), Duration.ofSeconds(5));
      assertEquals(Optional.empty(), fifo.awaitLine(inSeconds(5)));
    }
  }

  @Test
  void timesOutWithoutAWriterAndCloseUnblocksTheReader(@TempDir Path dir) throws Exception {
    Path path = dir.resolve("x.sync");
    SyncFifo fifo = SyncFifo.open(path, runner, Duration.ofSeconds(5));
    assertTrue(Files.exists(path));
    assertThrows(TimeoutException.class,
        () -> fifo.awaitLine(System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100)));
    fifo.close();
    assertFalse(Files.exists(path));
  }
}
