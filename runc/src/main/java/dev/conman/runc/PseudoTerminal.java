package dev.conman.runc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Library;
import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * A pseudo-terminal pair the daemon owns: it keeps the master and names the slave (/dev/pts/N) for
 * a child to open as its stdio. Both ends are opened with O_NOCTTY, so the daemon never gains a
 * controlling terminal. The slave starts in raw mode (no echo, no line editing, no output
 * translation): the terminal that matters is the container's, this one only carries bytes.
 *
 * <p>The daemon also keeps the slave open until {@link #closeSlave} (after the child has ended):
 * reads of the master then return every byte the child wrote and end-of-stream after it, instead
 * of blocking before the child opened the slave or losing output when it closes it early.
 *
 * <p>One thread may block in a read while others write, resize and close; the descriptors are
 * released only once no call uses them, as {@link SeqPacketSocket} does.
 */
public final class PseudoTerminal implements AutoCloseable {

  private static final int O_RDWR = 2;
  private static final int O_NOCTTY = 0x100;
  private static final int O_CLOEXEC = 0x80000;
  private static final long TIOCGWINSZ = 0x5413;
  private static final long TIOCSWINSZ = 0x5414;
  private static final int TCSANOW = 0;
  private static final int EINTR = 4;
  private static final int EIO = 5;
  /** struct winsize holds unsigned shorts. */
  public static final int MAX_SIZE = 0xFFFF;

  interface LibC extends Library {
    int posix_openpt(int flags) throws LastErrorException;

    int grantpt(int fd) throws LastErrorException;

    int unlockpt(int fd) throws LastErrorException;

    int ptsname_r(int fd, byte[] buffer, long length);

    int open(String path, int flags) throws LastErrorException;

    int ioctl(int fd, NativeLong request, short[] winsize) throws LastErrorException;

    int tcgetattr(int fd, Pointer termios) throws LastErrorException;

    void cfmakeraw(Pointer termios);

    int tcsetattr(int fd, int when, Pointer termios) throws LastErrorException;

    long read(int fd, byte[] buffer, long count) throws LastErrorException;

    long write(int fd, byte[] buffer, long count) throws LastErrorException;

    int close(int fd) throws LastErrorException;

    int kill(int pid, int signal) throws LastErrorException;
  }

  private static final class Holder {
    static final LibC LIBC = Native.load("c", LibC.class);
  }

  private final int master;
  private final Path slavePath;
  private int slave;
  private int users;
  private boolean closing;
  private boolean released;

  private PseudoTerminal(int master, int slave, Path slavePath) {
    this.master = master;
    this.slave = slave;
    this.slavePath = slavePath;
  }

  /** A new pair, the slave in raw mode and {@code rows} x {@code columns} (0 x 0: unknown). */
  public static PseudoTerminal open(int rows, int columns) throws IOException {
    checkSize(rows, columns);
    LibC c = Holder.LIBC;
    int master = -1;
    int slave = -1;
    try {
      master = c.posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
      c.grantpt(master);
      c.unlockpt(master);
      byte[] name = new byte[128];
      int err = c.ptsname_r(master, name, name.length);
      if (err != 0) {
        throw new LastErrorException(err);
      }
      int length = 0;
      while (length < name.length && name[length] != 0) {
        length++;
      }
      String path = new String(name, 0, length, StandardCharsets.US_ASCII);
      slave = c.open(path, O_RDWR | O_NOCTTY | O_CLOEXEC);
      Memory termios = new Memory(256); // glibc's struct termios is 60 bytes
      termios.clear();
      c.tcgetattr(slave, termios);
      c.cfmakeraw(termios);
      c.tcsetattr(slave, TCSANOW, termios);
      PseudoTerminal t = new PseudoTerminal(master, slave, Path.of(path));
      t.resize(rows, columns);
      return t;
    } catch (LastErrorException e) {
      if (slave >= 0) {
        closeQuietly(slave);
      }
      if (master >= 0) {
        closeQuietly(master);
      }
      throw new IOException("cannot open a pseudo-terminal: errno " + e.getErrorCode() + " (" + e.getMessage() + ")", e);
    }
  }

  /** @throws IllegalArgumentException for a size a terminal cannot have */
  public static void checkSize(int rows, int columns) {
    if (rows < 0 || columns < 0 || rows > MAX_SIZE || columns > MAX_SIZE) {
      throw new IllegalArgumentException("a terminal size is 0 to " + MAX_SIZE + " rows and columns, not "
          + Integer.toUnsignedString(rows) + "x" + Integer.toUnsignedString(columns));
    }
  }

  /** SIGWINCH to {@code pid}: a process that copies its own terminal's size to another must be told. */
  static void signalWindowChange(long pid) {
    try {
      Holder.LIBC.kill((int) pid, 28);
    } catch (LastErrorException ignored) {
      // it has ended: nothing to tell
    }
  }

  /** The slave's path, for a child to open as its stdio. */
  public Path slavePath() {
    return slavePath;
  }

  /**
   * Sets the window size (the kernel signals SIGWINCH to the terminal's foreground process group,
   * if it has one; a process reading the size on its own signal must be told).
   */
  public void resize(int rows, int columns) throws IOException {
    checkSize(rows, columns);
    if (!enter()) {
      throw new IOException("the terminal is closed");
    }
    try {
      Holder.LIBC.ioctl(master, new NativeLong(TIOCSWINSZ), new short[] {(short) rows, (short) columns, 0, 0});
    } catch (LastErrorException e) {
      throw new IOException("cannot resize the terminal: errno " + e.getErrorCode(), e);
    } finally {
      exit();
    }
  }

  /** The window size as {rows, columns}. */
  public int[] size() throws IOException {
    if (!enter()) {
      throw new IOException("the terminal is closed");
    }
    try {
      short[] ws = new short[4];
      Holder.LIBC.ioctl(master, new NativeLong(TIOCGWINSZ), ws);
      return new int[] {Short.toUnsignedInt(ws[0]), Short.toUnsignedInt(ws[1])};
    } catch (LastErrorException e) {
      throw new IOException("cannot read the terminal size: errno " + e.getErrorCode(), e);
    } finally {
      exit();
    }
  }

  /**
   * Reads what was written to the slave.
   *
   * @return the count read; -1 once every slave descriptor is closed and all was read, or after close
   */
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (!enter()) {
      return -1;
    }
    try {
      byte[] into = offset == 0 ? buffer : new byte[length];
      while (true) {
        try {
          long n = Holder.LIBC.read(master, into, length);
          if (n > 0 && into != buffer) {
            System.arraycopy(into, 0, buffer, offset, (int) n);
          }
          return n == 0 ? -1 : (int) n;
        } catch (LastErrorException e) {
          if (e.getErrorCode() == EIO || isClosing()) {
            return -1; // the slave side hung up: Linux's end-of-stream for a master
          }
          if (e.getErrorCode() != EINTR) {
            throw new IOException("read failed: errno " + e.getErrorCode(), e);
          }
        }
      }
    } finally {
      exit();
    }
  }

  /** Writes all of {@code data} as input to the slave (blocks while its input queue is full). */
  public void write(byte[] data, int offset, int length) throws IOException {
    if (!enter()) {
      throw new IOException("the terminal is closed");
    }
    try {
      byte[] chunk = offset == 0 ? data : java.util.Arrays.copyOfRange(data, offset, offset + length);
      int done = 0;
      while (done < length) {
        byte[] rest = done == 0 ? chunk : java.util.Arrays.copyOfRange(chunk, done, length);
        try {
          done += (int) Holder.LIBC.write(master, rest, length - done);
        } catch (LastErrorException e) {
          if (e.getErrorCode() != EINTR) {
            throw new IOException("write failed: errno " + e.getErrorCode(), e);
          }
        }
      }
    } finally {
      exit();
    }
  }

  public InputStream input() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] one = new byte[1];
        return PseudoTerminal.this.read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        return len == 0 ? 0 : PseudoTerminal.this.read(b, off, len);
      }
    };
  }

  public OutputStream output() {
    return new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        PseudoTerminal.this.write(new byte[] {(byte) b}, 0, 1);
      }

      @Override
      public void write(byte[] b, int off, int len) throws IOException {
        PseudoTerminal.this.write(b, off, len);
      }
    };
  }

  /** Closes the daemon's own slave descriptor: once the child's are closed too, reads end. */
  public synchronized void closeSlave() {
    if (slave >= 0) {
      closeQuietly(slave);
      slave = -1;
    }
  }

  /** Closes both ends; the master is released once no read or write uses it. */
  @Override
  public void close() {
    synchronized (this) {
      closeSlave(); // a blocked read of the master then ends (EIO)
      closing = true;
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
      closeQuietly(master);
    }
  }

  private static void closeQuietly(int fd) {
    try {
      Holder.LIBC.close(fd);
    } catch (LastErrorException ignored) {
      // nothing left to release
    }
  }
}
