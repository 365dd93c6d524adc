package dev.conman.runc;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a child process to completion within a deadline. Both output streams are drained on
 * their own threads, because a child that fills one pipe while we read the other would block
 * forever. A child that overruns its deadline is killed with its descendants, so that a hung
 * runc never leaves a container operation waiting.
 */
public final class CommandRunner {

  private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

  /** Enough for {@code runc list} of thousands of containers; more is a misbehaving child. */
  private static final int MAX_CAPTURE = 16 << 20;

  private static final File DEV_NULL = new File("/dev/null");

  /** The output of a child that exited just before its deadline is still worth waiting for. */
  private static final long OUTPUT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /**
   * @throws RuntimeFailure TIMEOUT when the deadline passed (the process has been killed),
   *                        FAILED when it could not be started or the caller was interrupted
   */
  public CommandResult run(Command command, Duration timeout) throws RuntimeFailure {
    long deadline = System.nanoTime() + timeout.toNanos();
    Process process = start(command);
    Capture out = capture(process.getInputStream());
    Capture err = capture(process.getErrorStream());
    try {
      if (!process.waitFor(remaining(deadline), TimeUnit.NANOSECONDS)) {
        kill(process);
        throw new RuntimeFailure(RuntimeFailure.Kind.TIMEOUT,
            command.display() + " did not finish within " + timeout.toMillis() + " ms and was killed");
      }
      return new CommandResult(command, process.exitValue(), out.await(deadline), err.await(deadline));
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, command.display() + " was interrupted", e);
    }
  }

  private static Process start(Command command) throws RuntimeFailure {
    ProcessBuilder builder = new ProcessBuilder(command.argv()).redirectInput(DEV_NULL);
    builder.environment().putAll(command.env());
    try {
      return builder.start();
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "cannot run " + command.display() + ": " + e.getMessage(), e);
    }
  }

  /** Kills descendants first: once the parent is gone they are reparented and out of reach. */
  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static long remaining(long deadline) {
    return Math.max(0, deadline - System.nanoTime());
  }

  private static Capture capture(InputStream stream) {
    Capture capture = new Capture();
    capture.task = Background.POOL.submit(() -> capture.drain(stream));
    return capture;
  }

  /** One output stream, readable in part when a descendant keeps the pipe open past the deadline. */
  private static final class Capture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private Future<?> task;

    private Void drain(InputStream stream) throws IOException {
      try (stream) {
        byte[] buffer = new byte[8192];
        int n;
        while ((n = stream.read(buffer)) >= 0) {
          synchronized (bytes) {
            if (bytes.size() < MAX_CAPTURE) {
              bytes.write(buffer, 0, Math.min(n, MAX_CAPTURE - bytes.size()));
            }
          }
        }
      }
      return null;
    }

    String await(long deadline) throws InterruptedException {
      try {
        task.get(Math.max(remaining(deadline), OUTPUT_GRACE_NANOS), TimeUnit.NANOSECONDS);
      } catch (TimeoutException e) {
        log.warn("a descendant still holds the output pipe open; using the output read so far");
      } catch (ExecutionException e) {
        log.warn("reading a child's output failed: {}", e.getCause().toString());
      }
      synchronized (bytes) {
        return bytes.toString(StandardCharsets.UTF_8);
      }
    }
  }
}
