package dev.conman.runc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The few libc calls that the JDK does not offer ({@link SeqPacketSocket}, {@link PseudoTerminal},
 * {@link Spawned}), bound through JNA, with the Linux constants they take. Each call throws
 * LastErrorException with errno when it returns -1.
 */
public final class Libc {

  static final int O_RDONLY = 0;
  static final int O_WRONLY = 1;
  static final int O_RDWR = 2;
  static final int O_NOCTTY = 0x100;
  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;
  static final int O_NOFOLLOW = 0x20000;
  static final int O_PATH = 0x200000;
  static final int O_CREAT = 0x40;
  static final int O_APPEND = 0x400;
  static final int ESRCH = 3;
  static final int EINTR = 4;
  static final int EIO = 5;
  static final int ECHILD = 10;
  static final int EAGAIN = 11;
  static final short POLLIN = 1;
  static final short POLLERR = 8;
  static final short POLLHUP = 0x10;
  /** posix_spawnattr flags of glibc. */
  static final short POSIX_SPAWN_SETSIGDEF = 0x04;
  static final short POSIX_SPAWN_SETSIGMASK = 0x08;
  /** The same number on x86_64 and aarch64 (Linux 5.3). */
  static final long SYS_PIDFD_OPEN = 434;
  /** The same number on x86_64 and aarch64 (Linux 5.1). */
  static final long SYS_PIDFD_SEND_SIGNAL = 424;

  private Libc() {}

  /**
   * The calls, bound by JNA's direct mapping: each native method is registered once, at class
   * initialization. Through an interface (Native.load) every call went through a proxy and
   * reflection: kill, open, poll and close of /dev/null in a loop, under the daemon's C1 settings,
   * took 1.6 us a call against 0.6 us direct, and 3-7 us against 0.9 us in the first hundreds of
   * calls, as a daemon's calls mostly are. A create makes about 20 such calls.
   */
  static final class Calls {
    // registered on first use, by the library's full name ("c" would make JNA run ldconfig -p to find it)
    static {
      Native.register(Calls.class, NativeLibrary.getInstance(com.sun.jna.Platform.C_LIBRARY_NAME));
    }

    static final Calls INSTANCE = new Calls();

    private Calls() {}

    public native int open(String path, int flags) throws LastErrorException;

    public native int open(String path, int flags, int mode) throws LastErrorException;

    public native long read(int fd, byte[] buffer, long count) throws LastErrorException;

    public native long write(int fd, byte[] buffer, long count) throws LastErrorException;

    public native int close(int fd) throws LastErrorException;

    public native int kill(int pid, int signal) throws LastErrorException;

    // processes ({@link Spawned})

    public native int pipe2(int[] fds, int flags) throws LastErrorException;

    public native String strerror(int errno);

    /** {@code fds} holds {@code count} struct pollfds: {fd, events | revents << 16} (little-endian shorts). */
    public native int poll(int[] fds, long count, int timeoutMillis) throws LastErrorException;

    public native int waitpid(int pid, int[] status, int options) throws LastErrorException;

    public native long syscall(long number, int pid, int flags) throws LastErrorException;

    /** pidfd_send_signal(pidfd, signal, info, flags). */
    public native long syscall(long number, int pidFd, int signal, Pointer info, int flags) throws LastErrorException;

    public native int sigemptyset(Pointer set);

    public native int sigfillset(Pointer set);

    // posix_spawn and its helpers return the error number itself, not -1 and errno

    public native int posix_spawn_file_actions_init(Pointer actions);

    public native int posix_spawn_file_actions_destroy(Pointer actions);

    public native int posix_spawn_file_actions_adddup2(Pointer actions, int fd, int newFd);

    public native int posix_spawn_file_actions_addopen(Pointer actions, int fd, String path, int flags, int mode);

    public native int posix_spawn_file_actions_addclosefrom_np(Pointer actions, int from);

    public native int posix_spawnattr_init(Pointer attributes);

    public native int posix_spawnattr_destroy(Pointer attributes);

    public native int posix_spawnattr_setflags(Pointer attributes, short flags);

    public native int posix_spawnattr_setsigmask(Pointer attributes, Pointer set);

    public native int posix_spawnattr_setsigdefault(Pointer attributes, Pointer set);

    /**
     * {@code argv} and {@code envp} are NULL-terminated arrays of C strings made by the caller: as
     * String[], JNA would convert every string on each call and read them all back afterwards.
     */
    public native int posix_spawn(int[] pid, String path, Pointer actions, Pointer attributes, Pointer argv, Pointer envp);

    /** posix_spawn with the program looked up in PATH. */
    public native int posix_spawnp(int[] pid, String file, Pointer actions, Pointer attributes, Pointer argv, Pointer envp);

    // sockets

    public native int socket(int domain, int type, int protocol) throws LastErrorException;

    public native int connect(int fd, byte[] address, int length) throws LastErrorException;

    public native int bind(int fd, byte[] address, int length) throws LastErrorException;

    public native int listen(int fd, int backlog) throws LastErrorException;

    public native int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

    public native long send(int fd, byte[] buffer, long count, int flags) throws LastErrorException;

    public native int shutdown(int fd, int how) throws LastErrorException;

    // pseudo-terminals

    public native int posix_openpt(int flags) throws LastErrorException;

    public native int grantpt(int fd) throws LastErrorException;

    public native int unlockpt(int fd) throws LastErrorException;

    /** Returns the error number itself, not -1 and errno. */
    public native int ptsname_r(int fd, byte[] buffer, long length);

    public native int ioctl(int fd, NativeLong request, short[] winsize) throws LastErrorException;

    public native int tcgetattr(int fd, Pointer termios) throws LastErrorException;

    public native void cfmakeraw(Pointer termios);

    public native int tcsetattr(int fd, int when, Pointer termios) throws LastErrorException;
  }

  /**
   * Loads the bindings now. The first load costs about 50 ms (JNA's own library, then libc's
   * symbols), and every runc call needs them; a failure is left for that first real call to report.
   */
  public static void load() {
    try {
      calls();
    } catch (LinkageError e) {
      // reported, with its context, by the first call that needs the bindings
    }
  }

  static Calls calls() {
    return Calls.INSTANCE;
  }

  static void closeQuietly(int fd) {
    try {
      calls().close(fd);
    } catch (LastErrorException ignored) {
      // nothing left to release
    }
  }
}
