package dev.conman.runc;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The FIFO that stands in for the pipe conmon expects as {@code _OCI_SYNCPIPE}: Java cannot
 * pass an extra file descriptor to a child, but the child's shell can open a named pipe.
 *
 * <p>Opening a FIFO for reading blocks until a writer opens it and reads block until data or
 * EOF, so the read runs on a background thread and the caller waits with a deadline. Closing
 * unblocks that thread by briefly becoming a writer itself (an O_RDWR open never blocks on
 * Linux), then removes the FIFO.
 */
final class SyncFifo implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(SyncFifo.class);

  /** conmon's message is one line; runc's stderr inside it is bounded by conmon's buffer. */
  private static final int MAX_LINE = 64 << 10;

  private final Path path;
  private Future<String> firstLine;

  private SyncFifo(Path path) {
    this.path = path;
  }

  /**
   * Makes the FIFO (mode 0600: it carries pids and errors), from a spare made ahead when there is
   * one ({@link SpareFifos}), and starts reading it.
   */
  static SyncFifo open(Path path, CommandRunner runner, Duration timeout) throws RuntimeFailure {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot remove stale " + path + ": " + e, e);
    }
    if (!SpareFifos.enabled() || !SpareFifos.in(path.getParent(), runner, timeout).take(path)) {
      CommandResult made = runner.run(Command.of("mkfifo", "-m", "0600", path.toString()), timeout);
      if (!made.ok()) {
        throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
            "mkfifo " + path + " failed: " + made.stderr().strip());
      }
    }
    SyncFifo fifo = new SyncFifo(path);
    fifo.firstLine = Background.POOL.submit(fifo::readFirstLine);
    return fifo;
  }

  /**
   * The first line written, without its newline; empty when every writer closed the FIFO
   * without writing one.
   */
  Optional<String> awaitLine(long deadlineNanos)
      throws TimeoutException, InterruptedException, RuntimeFailure {
    try {
      String line = firstLine.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
      return Optional.ofNullable(line);
    } catch (ExecutionException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "cannot read conmon's sync FIFO " + path + ": " + e.getCause(), e.getCause());
    }
  }

  private String readFirstLine() throws IOException {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    try (InputStream in = Files.newInputStream(path)) {
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        if (line.size() < MAX_LINE) {
          line.write(b);
        }
      }
      if (b < 0 && line.size() == 0) {
        return null;
      }
    }
    return line.toString(StandardCharsets.UTF_8);
  }

  @Override
  public void close() {
    if (!firstLine.isDone()) {
      try {
        log.debug("unblocking the reader of {}", path);
        new RandomAccessFile(path.toFile(), "rw").close();
      } catch (IOException e) {
        log.warn("cannot unblock the reader of {}: {}", path, e.toString());
      }
      firstLine.cancel(true);
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      log.warn("cannot remove sync FIFO {}: {}", path, e.toString());
    }
  }
}
