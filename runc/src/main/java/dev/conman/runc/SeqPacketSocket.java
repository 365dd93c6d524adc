package dev.conman.runc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A connected {@code AF_UNIX, SOCK_SEQPACKET} socket: conmon's attach socket is one, and the JDK's
 * Unix domain channels only do SOCK_STREAM, so the few system calls go through JNA. Every read
 * returns one whole packet, every write sends one.
 *
 * <p>Connects through {@code /proc/self/fd/N/NAME}, N being the socket's directory opened with
 * O_PATH (as conmon binds it): a socket path is limited to 107 bytes, the directory's path is not.
 *
 * <p>One thread may block in {@link #read} while others {@link #write} and {@link #close}: close
 * shuts the socket down first, which wakes the reader with end-of-stream, and the descriptor itself
 * is released only once no call uses it any more, so that a number reused by the kernel for another
 * file is never read or closed by mistake.
 */
public final class SeqPacketSocket implements AutoCloseable {

  private static final int AF_UNIX = 1;
  private static final int SOCK_SEQPACKET = 5;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int O_PATH = 0x200000;
  private static final int O_CLOEXEC = 0x80000;
  private static final int O_WRONLY = 1;
  private static final int O_NONBLOCK = 0x800;
  private static final int SHUT_WR = 1;
  private static final int SHUT_RDWR = 2;
  /** A peer that has gone is an error on write, not a SIGPIPE to the whole JVM. */
  private static final int MSG_NOSIGNAL = 0x4000;
  private static final int EINTR = 4;

  /** The system calls used, straight from libc; each throws LastErrorException with errno on -1. */
  interface LibC extends Library {
    int socket(int domain, int type, int protocol) throws LastErrorException;

    int connect(int fd, byte[] address, int length) throws LastErrorException;

    int bind(int fd, byte[] address, int length) throws LastErrorException;

    int listen(int fd, int backlog) throws LastErrorException;

    int accept4(int fd, Pointer address, Pointer length, int flags) throws LastErrorException;

    long read(int fd, byte[] buffer, long count) throws LastErrorException;

    long send(int fd, byte[] buffer, long count, int flags) throws LastErrorException;

    long write(int fd, byte[] buffer, long count) throws LastErrorException;

    int shutdown(int fd, int how) throws LastErrorException;

    int open(String path, int flags) throws LastErrorException;

    int close(int fd) throws LastErrorException;
  }

  /** Loaded on first use: a daemon that never attaches never loads native code. */
  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private final int fd;
  private int users;
  private boolean closing;
  private boolean released;

  private SeqPacketSocket(int fd) {
    this.fd = fd;
  }

  static LibC libc() {
    return Holder.LIBC;
  }

  /** Connects to the socket {@code name} in {@code dir} (a link to a directory is followed). */
  public static SeqPacketSocket connect(Path dir, String name) throws IOException {
    LibC c = libc();
    int dirFd;
    try {
      dirFd = c.open(dir.toString(), O_PATH | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw failure("cannot open " + dir, e);
    }
    int fd = -1;
    try {
      fd = c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
      byte[] address = address("/proc/self/fd/" + dirFd + "/" + name);
      c.connect(fd, address, address.length);
      return new SeqPacketSocket(fd);
    } catch (LastErrorException e) {
      if (fd >= 0) {
        c.close(fd);
      }
      throw failure("cannot connect to " + dir.resolve(name), e);
    } finally {
      c.close(dirFd);
    }
  }

  /** A listening socket at {@code path} (short paths only); for tests that play conmon. */
  static int listen(Path path) throws IOException {
    LibC c = libc();
    try {
      int fd = c.socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
      byte[] address = address(path.toString());
      c.bind(fd, address, address.length);
      c.listen(fd, 4);
      return fd;
    } catch (LastErrorException e) {
      throw failure("cannot listen on " + path, e);
    }
  }

  /** Accepts one connection on a socket from {@link #listen}. */
  static SeqPacketSocket accept(int listening) throws IOException {
    try {
      return new SeqPacketSocket(libc().accept4(listening, null, null, SOCK_CLOEXEC));
    } catch (LastErrorException e) {
      throw failure("accept failed", e);
    }
  }

  static void closeFd(int fd) {
    try {
      libc().close(fd);
    } catch (LastErrorException ignored) {
      // nothing left to release
    }
  }

  /**
   * Writes {@code text} to the FIFO at {@code path} without waiting: a FIFO nobody reads (conmon
   * gone) fails at once with ENXIO instead of blocking the caller forever.
   */
  static void writeFifo(Path path, String text) throws IOException {
    LibC c = libc();
    int fd;
    try {
      fd = c.open(path.toString(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
    } catch (LastErrorException e) {
      throw failure("cannot open " + path, e);
    }
    try {
      byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
      c.write(fd, bytes, bytes.length);
    } catch (LastErrorException e) {
      throw failure("cannot write to " + path, e);
    } finally {
      closeFd(fd);
    }
  }

  /**
   * Blocks until a packet arrives and copies it into {@code buffer} (a longer packet is cut).
   *
   * @return the packet's length; -1 at end of stream (the peer closed, or {@link #close} was called)
   */
  public int read(byte[] buffer) throws IOException {
    if (!enter()) {
      return -1;
    }
    try {
      while (true) {
        try {
          long n = libc().read(fd, buffer, buffer.length);
          return n == 0 ? -1 : (int) n;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != EINTR) {
            if (isClosing()) {
              return -1;
            }
            throw failure("read failed", e);
          }
        }
      }
    } finally {
      exit();
    }
  }

  /** Sends {@code length} bytes of {@code buffer} as one packet. */
  public void write(byte[] buffer, int length) throws IOException {
    if (!enter()) {
      throw new IOException("the socket is closed");
    }
    try {
      byte[] packet = length == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, length);
      while (true) {
        try {
          libc().send(fd, packet, length, MSG_NOSIGNAL);
          return;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != EINTR) {
            throw failure("write failed", e);
          }
        }
      }
    } finally {
      exit();
    }
  }

  /** Half-closes: the peer reads end-of-stream, while packets still come this way. */
  public void shutdownOutput() {
    if (enter()) {
      try {
        libc().shutdown(fd, SHUT_WR);
      } catch (LastErrorException ignored) {
        // the peer has gone already
      } finally {
        exit();
      }
    }
  }

  /** Shuts the socket down (a blocked read returns -1) and releases it once no call uses it. */
  @Override
  public void close() {
    synchronized (this) {
      if (closing) {
        return;
      }
      closing = true;
      try {
        libc().shutdown(fd, SHUT_RDWR);
      } catch (LastErrorException ignored) {
        // not connected any more: nothing to wake
      }
      releaseIfUnused();
    }
  }

  private synchronized boolean enter() {
    if (closing) {
      return false;
    }
    users++;
    return true;
  }

  private synchronized void exit() {
    users--;
    releaseIfUnused();
  }

  private synchronized boolean isClosing() {
    return closing;
  }

  private void releaseIfUnused() {
    if (closing && users == 0 && !released) {
      released = true;
      closeFd(fd);
    }
  }

  /** A {@code struct sockaddr_un}: family AF_UNIX (little-endian short), then the path and its NUL. */
  private static byte[] address(String path) throws IOException {
    byte[] bytes = path.getBytes(StandardCharsets.UTF_8);
    if (bytes.length > 107) {
      throw new IOException("socket path too long (" + bytes.length + " bytes, at most 107): " + path);
    }
    byte[] address = new byte[2 + bytes.length + 1];
    address[0] = (byte) AF_UNIX;
    System.arraycopy(bytes, 0, address, 2, bytes.length);
    return address;
  }

  private static IOException failure(String what, LastErrorException e) {
    return new IOException(what + ": errno " + e.getErrorCode() + " (" + e.getMessage() + ")", e);
  }
}
