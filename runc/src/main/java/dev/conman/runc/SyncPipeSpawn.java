package dev.conman.runc;

import com.sun.jna.LastErrorException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeoutException;

/**
 * A child ({@link Spawned}) whose fd 3 is the write end of a pipe that the daemon reads: conmon's
 * sync pipe ({@code _OCI_SYNCPIPE=3}), on which it reports the container's pid or runc's error.
 * ProcessBuilder cannot hand a child an extra descriptor; before this, a shell opened a FIFO as
 * fd 3 and exec'd conmon, which cost a shell start (about 2 ms), a FIFO made by mkfifo, and left a
 * shell blocked on the FIFO when the daemon died between making it and reading it.
 *
 * <p>The child's stdout and stderr are appended to a file.
 */
final class SyncPipeSpawn implements AutoCloseable {

  /** conmon's message is one line; runc's stderr inside it is bounded by conmon's buffer. */
  private static final int MAX_LINE = 64 << 10;

  private final Spawned child;
  private final int syncFd;

  private SyncPipeSpawn(Spawned child, int syncFd) {
    this.child = child;
    this.syncFd = syncFd;
  }

  /**
   * Starts {@code argv} (an absolute program path first) with the daemon's environment plus
   * {@code env}, output appended to {@code output} (made 0600 if missing).
   */
  static SyncPipeSpawn start(List<String> argv, Map<String, String> env, Path output) throws RuntimeFailure {
    Libc.Calls c = Libc.calls();
    int[] pipe = {-1, -1};
    int out = -1;
    try {
      c.pipe2(pipe, Libc.O_CLOEXEC);
      out = c.open(output.toString(), Libc.O_WRONLY | Libc.O_CREAT | Libc.O_APPEND | Libc.O_CLOEXEC, 0600);
      return new SyncPipeSpawn(Spawned.start(argv, env, out, out, pipe[1]), pipe[0]);
    } catch (LastErrorException e) {
      Spawned.closeAll(pipe[0]);
      throw Spawned.failure("cannot prepare the start of " + argv.get(0), e.getErrorCode());
    } catch (RuntimeFailure e) {
      Spawned.closeAll(pipe[0]);
      throw e;
    } finally {
      // the child has its copies: the pipe must reach EOF once the child's side is closed
      Spawned.closeAll(pipe[1], out);
    }
  }

  /** @return the exit status (128 + signal when killed), or empty when it still runs at the deadline */
  OptionalInt awaitExit(long deadlineNanos) throws RuntimeFailure {
    return child.awaitExit(deadlineNanos);
  }

  /**
   * The first line written to the pipe, without its newline; empty when every writer closed it
   * without writing one.
   *
   * @throws TimeoutException when no line and no end came by the deadline
   */
  Optional<String> awaitLine(long deadlineNanos) throws TimeoutException, RuntimeFailure {
    ByteArrayOutputStream line = new ByteArrayOutputStream();
    byte[] buffer = new byte[4096];
    while (true) {
      if (!Spawned.readable(syncFd, deadlineNanos)) {
        throw new TimeoutException();
      }
      long n = Spawned.read(syncFd, buffer, "the sync pipe");
      if (n == 0) {
        return line.size() == 0 ? Optional.empty() : Optional.of(line.toString(StandardCharsets.UTF_8));
      }
      for (int i = 0; i < n; i++) {
        if (buffer[i] == '\n') {
          return Optional.of(line.toString(StandardCharsets.UTF_8));
        }
        if (line.size() < MAX_LINE) {
          line.write(buffer[i]);
        }
      }
    }
  }

  /** Kills and reaps the child if it still runs, and closes the pipe. */
  @Override
  public void close() {
    child.close();
    Spawned.closeAll(syncFd);
  }
}
