package dev.conman.runc;

import java.io.IOException;
import java.util.Arrays;

/**
 * One client's connection to a container's conmon attach socket. conmon copies everything the
 * container writes to every connected client, one packet per read of the container's pipe (or
 * terminal): a byte naming the pipe (2 stdout, 3 stderr; a terminal is all stdout), then the bytes.
 * What a client writes goes to the container's stdin, when conmon was started with {@code --stdin}.
 *
 * <p>conmon writes to its clients with blocking writes: a client that stops reading stalls the
 * container's output (and its log) for everyone. Readers of this connection must therefore keep
 * reading, or close it.
 */
public final class AttachConnection implements AutoCloseable {

  /** conmon's pipe ids (its enum pipe_t). */
  public static final int STDOUT = 2;
  public static final int STDERR = 3;
  /**
   * The largest stdin packet sent: conmon reads a packet into a buffer of 32 KiB less one byte, and
   * a SEQPACKET read drops what does not fit, so larger writes are split.
   */
  static final int MAX_STDIN_PACKET = 8192;
  /** conmon's packets are at most its stdio buffer (8 KiB) plus the pipe byte; room to spare. */
  private static final int MAX_PACKET = 64 * 1024;

  /** A packet from conmon: which pipe, and the bytes. */
  public record Frame(int pipe, byte[] data) {
    public boolean stderr() {
      return pipe == STDERR;
    }
  }

  private final SeqPacketSocket socket;
  private final byte[] buffer = new byte[MAX_PACKET];

  AttachConnection(SeqPacketSocket socket) {
    this.socket = socket;
  }

  /**
   * Blocks for the next packet of output; only one thread may read.
   *
   * @return null once conmon closed the connection (the container ended) or {@link #close} was called
   */
  public Frame read() throws IOException {
    while (true) {
      int n = socket.read(buffer);
      if (n < 0) {
        return null;
      }
      if (n > 1) {
        return new Frame(buffer[0], Arrays.copyOfRange(buffer, 1, n));
      }
      // an empty packet carries nothing: read on
    }
  }

  /** Sends bytes to the container's stdin (in packets conmon reads whole). */
  public void write(byte[] data) throws IOException {
    for (int off = 0; off < data.length; off += MAX_STDIN_PACKET) {
      int n = Math.min(MAX_STDIN_PACKET, data.length - off);
      socket.write(off == 0 && n == data.length ? data : Arrays.copyOfRange(data, off, off + n), n);
    }
  }

  /**
   * Tells conmon this client sends no more stdin. conmon closes the container's stdin then unless it
   * runs with {@code --leave-stdin-open}; output keeps coming.
   */
  public void closeStdin() {
    socket.shutdownOutput();
  }

  /** Disconnects; a blocked {@link #read} returns null. */
  @Override
  public void close() {
    socket.close();
  }
}
