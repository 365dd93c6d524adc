package dev.conman.runc;

import com.sun.jna.LastErrorException;
import com.sun.jna.Memory;
import com.sun.jna.NativeLong;
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
 * released only once no call uses them ({@link SharedFd}).
 */
public final class PseudoTerminal implements AutoCloseable {

  private static final long TIOCGWINSZ = 0x5413;
  private static final long TIOCSWINSZ = 0x5414;
  private static final int TCSANOW = 0;
  private static final int SIGWINCH = 28;
  /** struct winsize holds unsigned shorts. */
  public static final int MAX_SIZE = 0xFFFF;

  private final SharedFd master;
  private final Path slavePath;
  private int slave;

  private PseudoTerminal(int master, int slave, Path slavePath) {
    this.master = new SharedFd(master);
    this.slave = slave;
    this.slavePath = slavePath;
  }

  /** A new pair, the slave in raw mode and {@code rows} x {@code columns} (0 x 0: unknown). */
  public static PseudoTerminal open(int rows, int columns) throws IOException {
    checkSize(rows, columns);
    Libc.Calls c = Libc.calls();
    int master = -1;
    int slave = -1;
    try {
      master = c.posix_openpt(Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
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
      slave = c.open(path, Libc.O_RDWR | Libc.O_NOCTTY | Libc.O_CLOEXEC);
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
        Libc.closeQuietly(slave);
      }
      if (master >= 0) {
        Libc.closeQuietly(master);
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
      Libc.calls().kill((int) pid, SIGWINCH);
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
    if (!master.enter()) {
      throw new IOException("the terminal is closed");
    }
    try {
      Libc.calls().ioctl(master.fd(), new NativeLong(TIOCSWINSZ), new short[] {(short) rows, (short) columns, 0, 0});
    } catch (LastErrorException e) {
      throw new IOException("cannot resize the terminal: errno " + e.getErrorCode(), e);
    } finally {
      master.exit();
    }
  }

  /** The window size as {rows, columns}. */
  public int[] size() throws IOException {
    if (!master.enter()) {
      throw new IOException("the terminal is closed");
    }
    try {
      short[] ws = new short[4];
      Libc.calls().ioctl(master.fd(), new NativeLong(TIOCGWINSZ), ws);
      return new int[] {Short.toUnsignedInt(ws[0]), Short.toUnsignedInt(ws[1])};
    } catch (LastErrorException e) {
      throw new IOException("cannot read the terminal size: errno " + e.getErrorCode(), e);
    } finally {
      master.exit();
    }
  }

  /**
   * Reads what was written to the slave.
   *
   * @return the count read; -1 once every slave descriptor is closed and all was read, or after close
   */
  public int read(byte[] buffer, int offset, int length) throws IOException {
    if (!master.enter()) {
      return -1;
    }
    try {
      byte[] into = offset == 0 ? buffer : new byte[length];
      while (true) {
        try {
          long n = Libc.calls().read(master.fd(), into, length);
          if (n > 0 && into != buffer) {
            System.arraycopy(into, 0, buffer, offset, (int) n);
          }
          return n == 0 ? -1 : (int) n;
        } catch (LastErrorException e) {
          if (e.getErrorCode() == Libc.EIO || master.isClosing()) {
            return -1; // the slave side hung up: Linux's end-of-stream for a master
          }
          if (e.getErrorCode() != Libc.EINTR) {
            throw new IOException("read failed: errno " + e.getErrorCode(), e);
          }
        }
      }
    } finally {
      master.exit();
    }
  }

  /** Writes all of {@code data} as input to the slave (blocks while its input queue is full). */
  public void write(byte[] data, int offset, int length) throws IOException {
    if (!master.enter()) {
      throw new IOException("the terminal is closed");
    }
    try {
      byte[] chunk = offset == 0 ? data : java.util.Arrays.copyOfRange(data, offset, offset + length);
      int done = 0;
      while (done < length) {
        byte[] rest = done == 0 ? chunk : java.util.Arrays.copyOfRange(chunk, done, length);
        try {
          done += (int) Libc.calls().write(master.fd(), rest, length - done);
        } catch (LastErrorException e) {
          if (e.getErrorCode() != Libc.EINTR) {
            throw new IOException("write failed: errno " + e.getErrorCode(), e);
          }
        }
      }
    } finally {
      master.exit();
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
      Libc.closeQuietly(slave);
      slave = -1;
    }
  }

  /** Closes both ends; the master is released once no read or write uses it. */
  @Override
  public synchronized void close() {
    closeSlave(); // a blocked read of the master then ends (EIO)
    master.close(fd -> {}); // nothing more to wake: closing the slave did
  }
}
