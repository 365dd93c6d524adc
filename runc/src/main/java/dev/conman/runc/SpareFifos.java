package dev.conman.runc;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FIFOs made ahead of need, so that a container's create does not wait for a {@code mkfifo}
 * process (Java cannot make a FIFO itself): a few milliseconds of every create, and one process
 * per container when many start at once. One {@code mkfifo} call makes a batch in the background;
 * {@link #take} renames a spare to the wanted path (same directory, so the rename is atomic).
 *
 * <p>Spares are named {@code .spare-<random>.fifo}, never opened before they are taken, and have
 * the mode of the FIFO they stand for (0600). Spares left by an earlier daemon in the directory
 * are removed when the directory is first used: a name nobody knows has no writer.
 */
final class SpareFifos {

  private static final Logger log = LoggerFactory.getLogger(SpareFifos.class);

  /** Enough for a burst of parallel creates between two refills; each is an inode, nothing more. */
  static final int BATCH = 16;
  private static final String PREFIX = ".spare-";
  private static final String SUFFIX = ".fifo";

  private static final Map<Path, SpareFifos> BY_DIR = new ConcurrentHashMap<>();

  /**
   * Off with {@code -Dconman.spare-fifos=false}: the runc module's unit tests do so, since their
   * temporary directories would get spares made in the background while JUnit deletes them.
   */
  static boolean enabled() {
    return !"false".equals(System.getProperty("conman.spare-fifos"));
  }

  private final Path dir;
  private final CommandRunner runner;
  private final Duration timeout;
  private final Deque<Path> spares = new ArrayDeque<>();
  private boolean refilling;

  private SpareFifos(Path dir, CommandRunner runner, Duration timeout) {
    this.dir = dir;
    this.runner = runner;
    this.timeout = timeout;
  }

  /** The spares of {@code dir}; the first call removes what an earlier daemon left there. */
  static SpareFifos in(Path dir, CommandRunner runner, Duration timeout) {
    return BY_DIR.computeIfAbsent(dir.toAbsolutePath().normalize(), d -> {
      removeLeftovers(d);
      return new SpareFifos(d, runner, timeout);
    });
  }

  /**
   * Moves a spare FIFO to {@code path} (which must not exist) and starts a refill when few are
   * left. @return false when there was no spare: the caller makes the FIFO itself
   */
  boolean take(Path path) {
    Path spare;
    synchronized (this) {
      spare = spares.poll();
      if (spares.size() < BATCH / 2 && !refilling) {
        refilling = true;
        Background.POOL.execute(this::refill);
      }
    }
    if (spare == null) {
      return false;
    }
    try {
      Files.move(spare, path, StandardCopyOption.ATOMIC_MOVE);
      return true;
    } catch (IOException e) {
      log.debug("cannot take spare FIFO {}: {}", spare, e.toString());
      return false;
    }
  }

  /** For tests: whether a batch is being made. */
  synchronized boolean refilling() {
    return refilling;
  }

  private void refill() {
    List<Path> batch = new ArrayList<>();
    try {
      List<String> argv = new ArrayList<>(List.of("mkfifo", "-m", "0600"));
      for (int i = 0; i < BATCH; i++) {
        Path p = dir.resolve(PREFIX + UUID.randomUUID() + SUFFIX);
        batch.add(p);
        argv.add(p.toString());
      }
      CommandResult made = runner.run(Command.of(argv), timeout);
      if (!made.ok()) {
        log.debug("mkfifo of spare FIFOs failed: {}", made.stderr().strip());
        batch.removeIf(p -> !Files.exists(p));
      }
    } catch (RuntimeFailure | RuntimeException e) {
      log.debug("cannot make spare FIFOs in {}: {}", dir, e.toString());
      batch.removeIf(p -> !Files.exists(p));
    } finally {
      synchronized (this) {
        spares.addAll(batch);
        refilling = false;
      }
    }
  }

  private static void removeLeftovers(Path dir) {
    try (DirectoryStream<Path> old = Files.newDirectoryStream(dir, PREFIX + "*" + SUFFIX)) {
      for (Path p : old) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.debug("cannot remove spare FIFOs left in {}: {}", dir, e.toString());
    }
  }
}
