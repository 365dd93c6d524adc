package dev.conman.runc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeoutException;

/**
 * A child started with posix_spawn whose fd 3 is the write end of a pipe that the daemon reads:
 * conmon's sync pipe ({@code _OCI_SYNCPIPE=3}), on which it reports the container's pid or runc's
 * error. ProcessBuilder cannot hand a child an extra descriptor; before this, a shell opened a
 * FIFO as fd 3 and exec'd conmon, which cost a shell start (about 2 ms), a FIFO made by mkfifo, and
 * left a shell blocked on the FIFO when the daemon died between making it and reading it.
 *
 * <p>The child gets only what is set here: stdin /dev/null, stdout and stderr appended to a file,
 * the pipe as fd 3, every other descriptor closed, default signal handling and an empty signal
 * mask (a JVM thread's mask must not leak into conmon and the container). Its exit is waited for
 * through a pidfd, so that every wait has a deadline.
 */
final class SyncPipeSpawn implements AutoCloseable {

  /** conmon's message is one line; runc's stderr inside it is bounded by conmon's buffer. */
  private static final int MAX_LINE = 64 << 10;
  private static final int SIGKILL = 9;

  private final int pid;
  private final int pidFd;
  private final int syncFd;
  private boolean reaped;

  private SyncPipeSpawn(int pid, int pidFd, int syncFd) {
    this.pid = pid;
    this.pidFd = pidFd;
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
    } catch (LastErrorException e) {
      closeAll(pipe[0], pipe[1], out);
      throw failure("cannot prepare the start of " + argv.get(0), e.getErrorCode());
    }
    Memory actions = new Memory(256);
    Memory attributes = new Memory(512);
    Memory signals = new Memory(256);
    int[] pid = new int[1];
    int error;
    try {
      check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
      check(c.posix_spawnattr_init(attributes), "posix_spawnattr_init");
      check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", 0, 0), "stdin");
      check(c.posix_spawn_file_actions_adddup2(actions, out, 1), "stdout");
      check(c.posix_spawn_file_actions_adddup2(actions, out, 2), "stderr");
      check(c.posix_spawn_file_actions_adddup2(actions, pipe[1], 3), "sync pipe");
      check(c.posix_spawn_file_actions_addclosefrom_np(actions, 4), "closefrom");
      c.sigemptyset(signals);
      check(c.posix_spawnattr_setsigmask(attributes, signals), "signal mask");
      c.sigfillset(signals);
      check(c.posix_spawnattr_setsigdefault(attributes, signals), "signal defaults");
      check(c.posix_spawnattr_setflags(attributes,
          (short) (Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF)), "flags");
      error = c.posix_spawn(pid, argv.get(0), actions, attributes, argv.toArray(String[]::new), environment(env));
    } catch (RuntimeFailure e) {
      closeAll(pipe[0], pipe[1], out);
      throw e;
    } finally {
      c.posix_spawn_file_actions_destroy(actions);
      c.posix_spawnattr_destroy(attributes);
      // the child has its copies: the pipe must reach EOF once the child's side is closed
      closeAll(pipe[1], out);
    }
    if (error != 0) {
      Libc.closeQuietly(pipe[0]);
      throw failure("cannot start " + argv.get(0), error);
    }
    int pidFd;
    try {
      pidFd = (int) c.syscall(Libc.SYS_PIDFD_OPEN, pid[0], 0);
    } catch (LastErrorException e) {
      // it cannot have been reaped yet: only this class waits for it
      Libc.closeQuietly(pipe[0]);
      throw failure("cannot watch process " + pid[0] + " (" + argv.get(0) + ")", e.getErrorCode());
    }
    return new SyncPipeSpawn(pid[0], pidFd, pipe[0]);
  }

  /** @return the exit status (128 + signal when killed), or empty when it still runs at the deadline */
  OptionalInt awaitExit(long deadlineNanos) throws RuntimeFailure {
    if (!readable(pidFd, deadlineNanos)) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(reap());
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
      if (!readable(syncFd, deadlineNanos)) {
        throw new TimeoutException();
      }
      long n;
      try {
        n = Libc.calls().read(syncFd, buffer, buffer.length);
      } catch (LastErrorException e) {
        if (e.getErrorCode() == Libc.EINTR) {
          continue;
        }
        throw failure("cannot read the sync pipe", e.getErrorCode());
      }
      if (n <= 0) {
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
    if (!reaped) {
      try {
        Libc.calls().kill(pid, SIGKILL);
      } catch (LastErrorException ignored) {
        // already gone
      }
      try {
        reap();
      } catch (RuntimeFailure ignored) {
        // nothing left to wait for
      }
    }
    closeAll(pidFd, syncFd);
  }

  private int reap() throws RuntimeFailure {
    int[] status = new int[1];
    while (true) {
      try {
        Libc.calls().waitpid(pid, status, 0);
        reaped = true;
        int s = status[0];
        return (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Libc.EINTR) {
          reaped = e.getErrorCode() == Libc.ECHILD;
          throw failure("cannot wait for process " + pid, e.getErrorCode());
        }
      }
    }
  }

  /** Whether {@code fd} became readable (data, end of file, or a process's exit) before the deadline. */
  private static boolean readable(int fd, long deadlineNanos) throws RuntimeFailure {
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      int[] pollFd = {fd, Libc.POLLIN};
      try {
        if (Libc.calls().poll(pollFd, 1, (int) Math.max(1, Math.min(Integer.MAX_VALUE, left / 1_000_000))) > 0) {
          return true;
        }
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Libc.EINTR) {
          throw failure("cannot poll descriptor " + fd, e.getErrorCode());
        }
      }
    }
  }

  private static String[] environment(Map<String, String> extra) {
    Map<String, String> all = new java.util.TreeMap<>(System.getenv());
    all.putAll(extra);
    List<String> entries = new ArrayList<>(all.size());
    all.forEach((k, v) -> entries.add(k + "=" + v));
    return entries.toArray(String[]::new);
  }

  private static void check(int error, String step) throws RuntimeFailure {
    if (error != 0) {
      throw failure("posix_spawn setup (" + step + ") failed", error);
    }
  }

  private static RuntimeFailure failure(String what, int errno) {
    return new RuntimeFailure(RuntimeFailure.Kind.FAILED, what + ": " + Libc.calls().strerror(errno));
  }

  private static void closeAll(int... fds) {
    for (int fd : fds) {
      if (fd >= 0) {
        Libc.closeQuietly(fd);
      }
    }
  }
}
