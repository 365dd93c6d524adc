package dev.conman.runc;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.Optional;

/**
 * Starts a created container without starting a runc process (about 5 ms of CPU and of latency
 * each, the largest single cost of a one-shot container after {@code runc create}): the handshake
 * {@code runc start} makes with the waiting init, and nothing else. runc's init waits in an open of
 * the container's {@code exec.fifo} for a reader; {@code runc start} opens it, reads until the
 * init has written its byte and closed the FIFO by exec'ing the user's process (or by ending),
 * and removes the FIFO, which is how runc tells a created container from a running one.
 *
 * <p>Like {@link InitSignal}, this takes the short path only where the outcome is the one runc
 * would give, and answers {@link Outcome#ASK_RUNC} everywhere else, so that runc checks and words
 * the refusal: no state.json (no such container), no FIFO (running or stopped), a frozen cgroup
 * (paused), an init that has ended or whose pid names another process, a FIFO the init closed
 * without writing, anything unexpected. A container whose config has poststart hooks is runc's
 * too: runc 1.1 runs them in create, and later versions in start, after the handshake. The
 * daemon's own bundles have no hooks.
 */
final class InitStart {

  enum Outcome {
    STARTED,
    ASK_RUNC,
    /** The init neither ran the user's process nor ended within the bound (a start hook that does not end). */
    TIMED_OUT
  }

  /** runc's name, beside its state.json (runc 1.x, {@code execFifoFilename}). */
  static final String EXEC_FIFO = "exec.fifo";

  /**
   * The outcome, with runc's record of the init that this start read ({@code null} unless
   * {@link Outcome#STARTED}): whether that init has ended is later a read of /proc, not of runc's
   * state again.
   */
  record Result(Outcome outcome, RuncStateFile init) {
    static final Result ASK_RUNC = new Result(Outcome.ASK_RUNC, null);
  }

  /** How often an init that has not opened its end of the FIFO is checked for having ended, as runc does. */
  private static final int ALIVE_CHECK_MILLIS = 100;

  private InitStart() {}

  /**
   * @param containerDir runc's directory of the container, {@code <runc root>/<id>}
   * @param timeout bound of the wait for the init, as for a runc call
   */
  static Result start(Path containerDir, Duration timeout) throws RuntimeFailure {
    Path fifo = containerDir.resolve(EXEC_FIFO);
    Optional<RuncStateFile> state;
    try {
      state = RuncStateFile.read(containerDir.resolve(RuncStateFile.NAME));
      if (state.isEmpty() || state.get().initPid() <= 0 || state.get().poststartHooks() || !isFifo(fifo)
          || InitSignal.frozen(state.get()) || InitSignal.initGone(state.get())) {
        return Result.ASK_RUNC;
      }
    } catch (IOException e) {
      return Result.ASK_RUNC;
    }
    Libc.Calls c = Libc.calls();
    int fd;
    try {
      // non-blocking: a blocking open would hang on an init that ended after the checks above
      fd = c.open(fifo.toString(), Libc.O_RDONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC | Libc.O_NOFOLLOW);
    } catch (LastErrorException e) {
      return Result.ASK_RUNC;
    }
    Outcome outcome;
    try {
      outcome = readToEnd(c, fd, state.get(), System.nanoTime() + timeout.toNanos());
    } finally {
      Libc.closeQuietly(fd);
    }
    if (outcome == Outcome.STARTED) {
      try {
        Files.delete(fifo);
      } catch (IOException e) {
        // as runc start fails: while the FIFO is there, runc takes the running container for a created one
        throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "the container's process was started, but "
            + fifo + " could not be removed: " + e.getMessage(), e);
      }
      return new Result(outcome, state.get());
    }
    return new Result(outcome, null);
  }

  /**
   * Reads until the init has closed its end. Before the init opens its end, poll reports nothing
   * (a FIFO reports a hang-up only after a writer has come and gone), so an init that ends without
   * opening it is caught by the check every {@link #ALIVE_CHECK_MILLIS}.
   */
  private static Outcome readToEnd(Libc.Calls c, int fd, RuncStateFile state, long deadline) {
    byte[] buffer = new byte[16];
    long read = 0;
    try {
      while (true) {
        int[] pollFd = {fd, Libc.POLLIN};
        int ready = poll(c, pollFd);
        if (ready > 0 && ((pollFd[1] >>> 16) & (Libc.POLLIN | Libc.POLLHUP | Libc.POLLERR)) != 0) {
          long n = readSome(c, fd, buffer);
          if (n == 0) {
            return read > 0 ? Outcome.STARTED : Outcome.ASK_RUNC;
          }
          read += Math.max(n, 0);
        } else if (InitSignal.initGone(state)) {
          // no writer came and went, so there is nothing to read: it ended before opening its end
          return read > 0 ? Outcome.STARTED : Outcome.ASK_RUNC;
        } else if (System.nanoTime() > deadline) {
          return Outcome.TIMED_OUT;
        }
      }
    } catch (IOException | LastErrorException e) {
      // once the init has written, it runs: runc start would now wait for a writer that never comes
      return read > 0 ? Outcome.STARTED : Outcome.ASK_RUNC;
    }
  }

  private static int poll(Libc.Calls c, int[] pollFd) {
    try {
      return c.poll(pollFd, 1, ALIVE_CHECK_MILLIS);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Libc.EINTR) {
        return 0;
      }
      throw e;
    }
  }

  /** @return bytes read, 0 at the end (no writer), -1 when nothing is there yet */
  private static long readSome(Libc.Calls c, int fd, byte[] buffer) {
    try {
      return c.read(fd, buffer, buffer.length);
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Libc.EAGAIN || e.getErrorCode() == Libc.EINTR) {
        return -1;
      }
      throw e;
    }
  }

  private static boolean isFifo(Path path) throws IOException {
    try {
      return Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther();
    } catch (java.nio.file.NoSuchFileException e) {
      return false;
    }
  }
}
