package dev.conman.runc;

import com.sun.jna.LastErrorException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Signals a container's init process without starting a runc process (about 5 ms of CPU and of
 * latency each): through a pidfd, after the check {@code runc kill} makes against pid reuse. The
 * pid runc recorded in its state.json must still name a process that started at the recorded time
 * and has not ended; the pidfd is opened before that check, so the signal reaches the process that
 * passed it. Where runc knows better, the answer is {@link Outcome#ASK_RUNC}: no state.json (runc
 * says whether the container exists), a frozen cgroup (runc thaws it for SIGKILL), a kernel
 * without pidfds, anything unexpected.
 */
final class InitSignal {

  enum Outcome {
    SENT,
    /** The init process has ended (or its pid names another process now): runc's "not running". */
    NOT_RUNNING,
    ASK_RUNC
  }

  private InitSignal() {}

  static Outcome send(Path runcStateJson, int signal) {
    Optional<RuncStateFile> state;
    try {
      state = RuncStateFile.read(runcStateJson);
    } catch (IOException e) {
      return Outcome.ASK_RUNC;
    }
    if (state.isEmpty() || state.get().initPid() <= 0 || frozen(state.get())) {
      return Outcome.ASK_RUNC;
    }
    int pid = (int) state.get().initPid();
    Libc.Calls c = Libc.calls();
    int pidFd;
    try {
      pidFd = (int) c.syscall(Libc.SYS_PIDFD_OPEN, pid, 0);
    } catch (LastErrorException e) {
      return e.getErrorCode() == Libc.ESRCH ? Outcome.NOT_RUNNING : Outcome.ASK_RUNC;
    }
    try {
      if (initGone(state.get())) {
        return Outcome.NOT_RUNNING;
      }
      c.syscall(Libc.SYS_PIDFD_SEND_SIGNAL, pidFd, signal, null, 0);
      return Outcome.SENT;
    } catch (LastErrorException e) {
      return e.getErrorCode() == Libc.ESRCH ? Outcome.NOT_RUNNING : Outcome.ASK_RUNC;
    } catch (IOException e) {
      return Outcome.ASK_RUNC;
    } finally {
      Libc.closeQuietly(pidFd);
    }
  }

  /**
   * Whether the init process runc recorded in {@code runcStateJson} has ended: no such process, a
   * zombie, or its pid names a process started at another time. False when runc's state does not
   * say or cannot be read.
   */
  static boolean ended(Path runcStateJson) {
    try {
      return RuncStateFile.read(runcStateJson).map(InitSignal::ended).orElse(false);
    } catch (IOException e) {
      return false;
    }
  }

  /** {@link #ended(Path)} of a state already read. */
  static boolean ended(RuncStateFile state) {
    try {
      return state.initPid() > 0 && initGone(state);
    } catch (IOException e) {
      return false;
    }
  }

  /**
   * The check against pid reuse: the recorded init has ended when its pid names no process, a
   * zombie, or a process started at another time than runc recorded.
   */
  static boolean initGone(RuncStateFile state) throws IOException {
    Optional<ProcStat> stat = ProcStat.of((int) state.initPid());
    return stat.isEmpty() || stat.get().startTime() != state.initStart() || stat.get().ended();
  }

  /**
   * Whether the container's cgroup is frozen or freezing: v1's freezer.state says THAWED otherwise,
   * v2's cgroup.freeze 0.
   */
  static boolean frozen(RuncStateFile state) {
    Optional<Path> file = state.cgroupFile("freezer", "freezer.state", "cgroup.freeze");
    if (file.isEmpty()) {
      return false;
    }
    try {
      String freeze = Files.readString(file.get()).strip();
      return !freeze.equals("THAWED") && !freeze.equals("0");
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      return true;
    }
  }

  /**
   * The two fields of /proc/PID/stat that say whether a pid still names the same live process.
   *
   * @param state the state letter: Z (zombie) and X (dead) mean the process has ended
   * @param startTime clock ticks after boot, field 22
   */
  record ProcStat(char state, long startTime) {

    boolean ended() {
      return state == 'Z' || state == 'X';
    }

    /** @return empty when there is no such process */
    static Optional<ProcStat> of(int pid) throws IOException {
      try {
        return Optional.of(parse(Files.readString(Path.of("/proc", Integer.toString(pid), "stat"))));
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
    }

    /** The command name (field 2) is in parentheses and may hold spaces and parentheses itself. */
    static ProcStat parse(String stat) throws IOException {
      int end = stat.lastIndexOf(')');
      String[] fields = end < 0 ? new String[0] : stat.substring(end + 1).strip().split(" ");
      if (fields.length < 20 || fields[0].length() != 1) {
        throw new IOException("unexpected /proc/PID/stat: " + RuncJson.abbreviate(stat));
      }
      try {
        return new ProcStat(fields[0].charAt(0), Long.parseLong(fields[19]));
      } catch (NumberFormatException e) {
        throw new IOException("unexpected start time in /proc/PID/stat: " + fields[19], e);
      }
    }
  }
}
