package dev.conman.runc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The few libc calls that the JDK does not offer ({@link SeqPacketSocket}, {@link PseudoTerminal}),
 * bound through JNA, with the Linux constants they take. Each call throws
 * LastErrorException with errno when it returns -1.
 */
final class Libc {

  static final int O_WRONLY = 1;
  static final int O_RDWR = 2;
  static final int O_NOCTTY = 0x100;
  static final int O_NONBLOCK = 0x800;
  static final int O_CLOEXEC = 0x80000;
  static final int O_PATH = 0x200000;
  static final int EINTR = 4;
  static final int EIO = 5;

  private Libc() {}

  interface Calls extends Library {
    int open(String path, int flags) throws LastErrorException;

    long read(int fd, byte[] buffer, long count) throws LastErrorException;

    long write(int fd, byte[] buffer, long count) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;

    // sockets

    int socket(int domain, int type, int protocol) throws LastErrorException;

    int connect(int fd, byte[] address, int length) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

    long send(int fd, byte[] buffer, long count, int flags) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    // pseudo-terminals

    int posix_openpt(int flags) throws LastErrorException;

    int grantpt(int fd) throws LastErrorException;

    int unlockpt(int fd) throws LastErrorException;

    /** Returns the error number itself, not -1 and errno. */
    int ptsname_r(int fd, byte[] buffer, long length);

    int ioctl(int fd, NativeLong request, short[] winsize) throws LastErrorException;

    int tcgetattr(int fd, Pointer termios) throws LastErrorException;

    void cfmakeraw(Pointer termios);

    int tcsetattr(int fd, int when, Pointer termios) throws LastErrorException;
  }

  /** Loaded on first use: a daemon that never attaches nor opens a terminal never loads native code. */
  private static final class Holder {
    static final Calls CALLS = Native.load("c", Calls.class);
  }

  static Calls calls() {
    return Holder.CALLS;
  }

  static void closeQuietly(int fd) {
    try {
      calls().close(fd);
    } catch (LastErrorException ignored) {
      // nothing left to release
    }
  }
}
