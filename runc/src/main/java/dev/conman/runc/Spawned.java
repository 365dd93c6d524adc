package dev.conman.runc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.Pointer;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;

/**
 * A child started with posix_spawn and watched through a pidfd: every wait on it has a deadline,
 * and no thread but the caller's is tied to it. (ProcessBuilder gives each child a reaper thread,
 * and a caller that reads both output pipes a thread for each; on a loaded daemon those hand-offs
 * cost more than the spawn.)
 *
 * <p>The child gets only what is set here: stdin /dev/null, the caller's descriptors as 1, 2, 3...,
 * every other descriptor closed, default signal handling and an empty signal mask (a JVM thread's
 * mask must not leak into conmon and the container).
 */
final class Spawned implements AutoCloseable {

  private static final int SIGKILL = 9;

  private final int pid;
  private final int pidFd;
  private boolean reaped;
  private int status;

  private Spawned(int pid, int pidFd) {
    this.pid = pid;
    this.pidFd = pidFd;
  }

  /**
   * Starts {@code argv} (a program without a slash is looked up in PATH) with the daemon's
   * environment plus {@code env}; {@code fds[i]} becomes the child's descriptor {@code i + 1}. The
   * caller keeps its descriptors and closes them once this returns.
   */
  static Spawned start(List<String> argv, Map<String, String> env, int... fds) throws RuntimeFailure {
    Libc.Calls c = Libc.calls();
    // one allocation for glibc's three structs (80, 336 and 128 bytes on x86_64), with room to spare
    Memory scratch = new Memory(1024);
    Pointer actions = scratch.share(0, 256);
    Pointer attributes = scratch.share(256, 512);
    Pointer signals = scratch.share(768, 256);
    int[] pid = new int[1];
    int error;
    String program = argv.get(0);
    try {
      check(c.posix_spawn_file_actions_init(actions), "posix_spawn_file_actions_init");
      check(c.posix_spawnattr_init(attributes), "posix_spawnattr_init");
      check(c.posix_spawn_file_actions_addopen(actions, 0, "/dev/null", 0, 0), "stdin");
      for (int i = 0; i < fds.length; i++) {
        check(c.posix_spawn_file_actions_adddup2(actions, fds[i], i + 1), "descriptor " + (i + 1));
      }
      check(c.posix_spawn_file_actions_addclosefrom_np(actions, fds.length + 1), "closefrom");
      c.sigemptyset(signals);
      check(c.posix_spawnattr_setsigmask(attributes, signals), "signal mask");
      c.sigfillset(signals);
      check(c.posix_spawnattr_setsigdefault(attributes, signals), "signal defaults");
      check(c.posix_spawnattr_setflags(attributes,
          (short) (Libc.POSIX_SPAWN_SETSIGMASK | Libc.POSIX_SPAWN_SETSIGDEF)), "flags");
      CStringArray args = CStringArray.of(argv);
      CStringArray envp = ChildEnvironment.of(env);
      error = program.indexOf('/') >= 0
          ? c.posix_spawn(pid, program, actions, attributes, args, envp)
          : c.posix_spawnp(pid, program, actions, attributes, args, envp);
    } finally {
      c.posix_spawn_file_actions_destroy(actions);
      c.posix_spawnattr_destroy(attributes);
    }
    if (error != 0) {
      throw failure("cannot start " + program, error);
    }
    try {
      return new Spawned(pid[0], (int) c.syscall(Libc.SYS_PIDFD_OPEN, pid[0], 0));
    } catch (LastErrorException e) {
      // it cannot have been reaped yet: only this class waits for it
      try {
        c.kill(pid[0], SIGKILL);
        c.waitpid(pid[0], new int[1], 0);
      } catch (LastErrorException ignored) {
        // gone already
      }
      throw failure("cannot watch process " + pid[0] + " (" + program + ")", e.getErrorCode());
    }
  }

  int pid() {
    return pid;
  }

  /** Readable (POLLIN) once the child has exited. */
  int pidFd() {
    return pidFd;
  }

  boolean reaped() {
    return reaped;
  }

  /** The exit status of a reaped child: 128 + N when signal N killed it. */
  int status() {
    return status;
  }

  /** @return the exit status, or empty when it still runs at the deadline */
  OptionalInt awaitExit(long deadlineNanos) throws RuntimeFailure {
    if (!reaped && !readable(pidFd, deadlineNanos)) {
      return OptionalInt.empty();
    }
    return OptionalInt.of(reap());
  }

  /** Waits for the child (at once when its pidfd is readable) and returns its exit status. */
  int reap() throws RuntimeFailure {
    int[] raw = new int[1];
    while (!reaped) {
      try {
        Libc.calls().waitpid(pid, raw, 0);
        reaped = true;
        int s = raw[0];
        status = (s & 0x7f) == 0 ? (s >> 8) & 0xff : 128 + (s & 0x7f);
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Libc.EINTR) {
          reaped = e.getErrorCode() == Libc.ECHILD;
          throw failure("cannot wait for process " + pid, e.getErrorCode());
        }
      }
    }
    return status;
  }

  /**
   * Kills the child's descendants, then the child, and reaps it: once the child is gone its
   * descendants are reparented and out of reach.
   */
  void killTree() {
    if (reaped) {
      return;
    }
    ProcessHandle.of(pid).ifPresent(h -> h.descendants().forEach(ProcessHandle::destroyForcibly));
    close();
  }

  /** Kills and reaps the child if it still runs, and closes the pidfd. */
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
    closeAll(pidFd);
  }

  /** Whether {@code fd} became readable (data, end of file, or a process's exit) before the deadline. */
  static boolean readable(int fd, long deadlineNanos) throws RuntimeFailure {
    int[] pollFd = {fd, Libc.POLLIN};
    while (true) {
      long left = deadlineNanos - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      if (poll(pollFd, left) > 0) {
        return true;
      }
    }
  }

  /**
   * poll(2) on {@code pollFds} (struct pollfds as {@link Libc.Calls#poll} takes them) for at most
   * {@code nanos}, at least a millisecond; EINTR counts as nothing ready.
   */
  static int poll(int[] pollFds, long nanos) throws RuntimeFailure {
    try {
      return Libc.calls().poll(pollFds, pollFds.length / 2,
          (int) Math.max(1, Math.min(Integer.MAX_VALUE, nanos / 1_000_000)));
    } catch (LastErrorException e) {
      if (e.getErrorCode() == Libc.EINTR) {
        return 0;
      }
      throw failure("cannot poll descriptors", e.getErrorCode());
    }
  }

  /**
   * read(2) from a descriptor that poll found readable: the number of bytes read, 0 at end of file;
   * an interrupted read is tried again.
   */
  static long read(int fd, byte[] buffer, String what) throws RuntimeFailure {
    while (true) {
      try {
        return Math.max(0, Libc.calls().read(fd, buffer, buffer.length));
      } catch (LastErrorException e) {
        if (e.getErrorCode() != Libc.EINTR) {
          throw failure("cannot read " + what, e.getErrorCode());
        }
      }
    }
  }

  private static void check(int error, String step) throws RuntimeFailure {
    if (error != 0) {
      throw failure("posix_spawn setup (" + step + ") failed", error);
    }
  }

  static RuntimeFailure failure(String what, int errno) {
    return new RuntimeFailure(RuntimeFailure.Kind.FAILED, what + ": " + Libc.calls().strerror(errno));
  }

  static void closeAll(int... fds) {
    for (int fd : fds) {
      if (fd >= 0) {
        Libc.closeQuietly(fd);
      }
    }
  }
}
