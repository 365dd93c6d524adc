package dev.conman.runc;

import com.sun.jna.LastErrorException;
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
 * is released only once no call uses it any more ({@link SharedFd}).
 */
public final class SeqPacketSocket implements AutoCloseable {

  private static final int AF_UNIX = 1;
  private static final int SOCK_SEQPACKET = 5;
  private static final int SOCK_CLOEXEC = 0x80000;
  private static final int SHUT_WR = 1;
  private static final int SHUT_RDWR = 2;
  /** A peer that has gone is an error on write, not a SIGPIPE to the whole JVM. */
  private static final int MSG_NOSIGNAL = 0x4000;

  private final SharedFd socket;

  private SeqPacketSocket(int fd) {
    this.socket = new SharedFd(fd);
  }

  /** Connects to the socket {@code name} in {@code dir} (a link to a directory is followed). */
  public static SeqPacketSocket connect(Path dir, String name) throws IOException {
    Libc.Calls c = Libc.calls();
    int dirFd;
    try {
      dirFd = c.open(dir.toString(), Libc.O_PATH | Libc.O_CLOEXEC);
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
    Libc.Calls c = Libc.calls();
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
      return new SeqPacketSocket(Libc.calls().accept4(listening, null, null, SOCK_CLOEXEC));
    } catch (LastErrorException e) {
      throw failure("accept failed", e);
    }
  }

  /**
   * Writes {@code text} to the FIFO at {@code path} without waiting: a FIFO nobody reads (conmon
   * gone) fails at once with ENXIO instead of blocking the caller forever.
   */
  static void writeFifo(Path path, String text) throws IOException {
    Libc.Calls c = Libc.calls();
    int fd;
    try {
      fd = c.open(path.toString(), Libc.O_WRONLY | Libc.O_NONBLOCK | Libc.O_CLOEXEC);
    } catch (LastErrorException e) {
      throw failure("cannot open " + path, e);
    }
    try {
      byte[] bytes = text.getBytes(StandardCharsets.US_ASCII);
      c.write(fd, bytes, bytes.length);
    } catch (LastErrorException e) {
      throw failure("cannot write to " + path, e);
    } finally {
      Libc.closeQuietly(fd);
    }
  }

  /**
   * Blocks until a packet arrives and copies it into {@code buffer} (a longer packet is cut).
   *
   * @return the packet's length; -1 at end of stream (the peer closed, or {@link #close} was called)
   */
  public int read(byte[] buffer) throws IOException {
    if (!socket.enter()) {
      return -1;
    }
    try {
      while (true) {
        try {
          long n = Libc.calls().read(socket.fd(), buffer, buffer.length);
          return n == 0 ? -1 : (int) n;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != Libc.EINTR) {
            if (socket.isClosing()) {
              return -1;
            }
            throw failure("read failed", e);
          }
        }
      }
    } finally {
      socket.exit();
    }
  }

  /** Sends {@code length} bytes of {@code buffer} as one packet. */
  public void write(byte[] buffer, int length) throws IOException {
    if (!socket.enter()) {
      throw new IOException("the socket is closed");
    }
    try {
      byte[] packet = length == buffer.length ? buffer : java.util.Arrays.copyOf(buffer, length);
      while (true) {
        try {
          Libc.calls().send(socket.fd(), packet, length, MSG_NOSIGNAL);
          return;
        } catch (LastErrorException e) {
          if (e.getErrorCode() != Libc.EINTR) {
            throw failure("write failed", e);
          }
        }
      }
    } finally {
      socket.exit();
    }
  }

  /** Half-closes: the peer reads end-of-stream, while packets still come this way. */
  public void shutdownOutput() {
    if (socket.enter()) {
      try {
        Libc.calls().shutdown(socket.fd(), SHUT_WR);
      } catch (LastErrorException ignored) {
        // the peer has gone already
      } finally {
        socket.exit();
      }
    }
  }

  /** Shuts the socket down (a blocked read returns -1) and releases it once no call uses it. */
  @Override
  public void close() {
    socket.close(fd -> {
      try {
        Libc.calls().shutdown(fd, SHUT_RDWR);
      } catch (LastErrorException ignored) {
        // not connected any more: nothing to wake
      }
    });
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
