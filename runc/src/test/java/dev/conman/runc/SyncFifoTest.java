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

  @Test
  void sparesMadeAheadServeLaterOpensAndLeftoversAreRemoved(@TempDir Path dir) throws Exception {
    String before = System.getProperty("conman.spare-fifos");
    System.setProperty("conman.spare-fifos", "true");
    try {
      openWithSpares(dir);
    } finally {
      if (before == null) {
        System.clearProperty("conman.spare-fifos");
      } else {
        System.setProperty("conman.spare-fifos", before);
      }
    }
  }

  private void openWithSpares(Path dir) throws Exception {
    Files.createFile(dir.resolve(".spare-left-by-an-earlier-daemon.fifo"));
    for (int i = 0; i < SpareFifos.BATCH * 2; i++) {
      Path path = dir.resolve("c" + i + ".sync");
      try (SyncFifo fifo = SyncFifo.open(path, runner, Duration.ofSeconds(5))) {
        assertTrue(Files.exists(path));
        assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
            Files.getPosixFilePermissions(path)));
        runner.run(Command.of("sh", "-c", "exec 3>\"$0\"; printf 'x\\n' >&3", path.toString()),
            Duration.ofSeconds(5));
        assertEquals(Optional.of("x"), fifo.awaitLine(inSeconds(5)));
      }
      assertFalse(Files.exists(path));
    }
    assertFalse(Files.exists(dir.resolve(".spare-left-by-an-earlier-daemon.fifo")));
    long deadline = inSeconds(5);
    SpareFifos made = SpareFifos.in(dir, runner, Duration.ofSeconds(5));
    while ((spares(dir) == 0 || made.refilling()) && System.nanoTime() < deadline) {
      Thread.sleep(10);
    }
    assertTrue(spares(dir) > 0, "FIFOs are made ahead");
    assertFalse(made.refilling(), "no batch is still being made when the directory goes");
  }

  private static long spares(Path dir) throws java.io.IOException {
    try (var files = Files.list(dir)) {
      return files.filter(p -> p.getFileName().toString().startsWith(".spare-")).filter(p -> !Files.isRegularFile(p) && !Files.isDirectory(p)).count();
    }
  }
}
