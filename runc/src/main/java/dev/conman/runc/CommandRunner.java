package dev.conman.runc;

import com.sun.jna.LastErrorException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a child process to completion within a deadline, on the calling thread: it polls both
 * output pipes and the child's pidfd ({@link Spawned}), so that a child that fills one pipe while
 * the other is read never blocks, and no other thread takes part. A child that overruns its
 * deadline is killed with its descendants, so that a hung runc never leaves a container operation
 * waiting.
 */
public final class CommandRunner {

  private static final Logger log = LoggerFactory.getLogger(CommandRunner.class);

  /** Enough for {@code runc list} of thousands of containers; more is a misbehaving child. */
  private static final int MAX_CAPTURE = 16 << 20;

  /** The output of a child that exited just before its deadline is still worth waiting for. */
  private static final long OUTPUT_GRACE_NANOS = TimeUnit.MILLISECONDS.toNanos(500);

  /** How long one poll may sleep: an interrupt of the caller is noticed within this. */
  private static final long POLL_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /**
   * @throws RuntimeFailure TIMEOUT when the deadline passed (the process has been killed),
   *                        FAILED when it could not be started or the caller was interrupted
   */
  public CommandResult run(Command command, Duration timeout) throws RuntimeFailure {
    long deadline = System.nanoTime() + timeout.toNanos();
    int[] out = {-1, -1};
    int[] err = {-1, -1};
    Spawned child;
    try {
      Libc.calls().pipe2(out, Libc.O_CLOEXEC);
      Libc.calls().pipe2(err, Libc.O_CLOEXEC);
      child = Spawned.start(command.argv(), command.env(), out[1], err[1]);
    } catch (LastErrorException e) {
      Spawned.closeAll(out[0], err[0]);
      throw Spawned.failure("cannot run " + command.display(), e.getErrorCode());
    } catch (RuntimeFailure e) {
      Spawned.closeAll(out[0], err[0]);
      throw e;
    } finally {
      // the child has its copies: each pipe ends once the child (and what it started) closed them
      Spawned.closeAll(out[1], err[1]);
    }
    Capture stdout = new Capture(out[0]);
    Capture stderr = new Capture(err[0]);
    try (child) {
      await(command, timeout, deadline, child, stdout, stderr);
      return new CommandResult(command, child.status(), stdout.text(), stderr.text());
    } finally {
      stdout.close();
      stderr.close();
    }
  }

  /** Reads both pipes until they end and the child has exited (reaped), or throws at the deadline. */
  private static void await(Command command, Duration timeout, long deadline, Spawned child, Capture stdout,
      Capture stderr) throws RuntimeFailure {
    long exitedAt = 0;
    while (!child.reaped() || stdout.open() || stderr.open()) {
      long now = System.nanoTime();
      // a descendant (a daemon the child started) may hold a pipe open after the child exits
      long limit = child.reaped() ? Math.max(deadline, exitedAt + OUTPUT_GRACE_NANOS) : deadline;
      if (now - limit >= 0) {
        if (!child.reaped()) {
          child.killTree();
          throw new RuntimeFailure(RuntimeFailure.Kind.TIMEOUT,
              command.display() + " did not finish within " + timeout.toMillis() + " ms and was killed");
        }
        log.warn("a descendant of {} still holds its output pipe open; using the output read so far",
            command.display());
        return;
      }
      if (Thread.interrupted()) {
        child.killTree();
        Thread.currentThread().interrupt();
        throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, command.display() + " was interrupted");
      }
      int[] fds = {stdout.fd, Libc.POLLIN, stderr.fd, Libc.POLLIN, child.reaped() ? -1 : child.pidFd(), Libc.POLLIN};
      if (Spawned.poll(fds, Math.min(limit - now, POLL_SLICE_NANOS)) <= 0) {
        continue;
      }
      if (ready(fds, 0)) {
        stdout.read();
      }
      if (ready(fds, 1)) {
        stderr.read();
      }
      if (ready(fds, 2)) {
        child.reap();
        exitedAt = System.nanoTime();
      }
    }
  }

  /** Whether the i-th pollfd has events; poll ignores negative descriptors (a pipe that ended). */
  private static boolean ready(int[] fds, int i) {
    return fds[2 * i] >= 0 && (fds[2 * i + 1] >>> 16) != 0;
  }

  /** One output pipe, read as it fills, up to {@link #MAX_CAPTURE}; what comes beyond is drained and dropped. */
  private static final class Capture {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final byte[] buffer = new byte[64 << 10];
    private int fd;

    Capture(int fd) {
      this.fd = fd;
    }

    boolean open() {
      return fd >= 0;
    }

    void read() throws RuntimeFailure {
      long n = Spawned.read(fd, buffer, "a child's output");
      if (n == 0) {
        close();
      } else if (bytes.size() < MAX_CAPTURE) {
        bytes.write(buffer, 0, (int) Math.min(n, MAX_CAPTURE - bytes.size()));
      }
    }

    String text() {
      return bytes.toString(StandardCharsets.UTF_8);
    }

    void close() {
      Spawned.closeAll(fd);
      fd = -1;
    }
  }
}
