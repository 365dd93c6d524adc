package dev.conman.grpc.io;

import dev.conman.actors.ContainerException;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * The key sequence that ends an attach without stopping the container, in docker's format
 * ("ctrl-p,ctrl-q", the default): scanned in the client's stdin by {@link Scanner}, so that every
 * client (not only conmanctl) detaches the same way, and the container never sees the keys.
 */
final class DetachKeys {

  static final String DEFAULT = "ctrl-p,ctrl-q";

  private final byte[] sequence;

  private DetachKeys(byte[] sequence) {
    this.sequence = sequence;
  }

  byte[] sequence() {
    return sequence.clone();
  }

  /**
   * Comma-separated keys, each one printable ASCII character or ctrl-X with X one of a-z, @, [, \, ],
   * ^, _ (case-insensitive); empty means {@link #DEFAULT}.
   *
   * @throws ContainerException INVALID_ARGUMENT, naming the bad key
   */
  static DetachKeys parse(String spec) {
    String keys = spec == null || spec.isEmpty() ? DEFAULT : spec;
    String[] parts = keys.split(",", -1);
    byte[] sequence = new byte[parts.length];
    for (int i = 0; i < parts.length; i++) {
      sequence[i] = key(parts[i], keys);
    }
    return new DetachKeys(sequence);
  }

  private static byte key(String key, String all) {
    if (key.length() == 1 && key.charAt(0) > ' ' && key.charAt(0) < 127) {
      return (byte) key.charAt(0);
    }
    if (key.length() == 6 && key.regionMatches(true, 0, "ctrl-", 0, 5)) {
      char c = Character.toLowerCase(key.charAt(5));
      if (c >= 'a' && c <= 'z') {
        return (byte) (c - 'a' + 1);
      }
      int symbol = "@[\\]^_".indexOf(c);
      if (symbol >= 0) {
        return (byte) (symbol == 0 ? 0 : 26 + symbol); // ctrl-@ is NUL, ctrl-[ ESC (27) ... ctrl-_ 31
      }
    }
    throw ContainerException.invalid("invalid detach key '" + key + "' in '" + all + "': use comma-separated"
        + " keys, each a single character or ctrl-X with X one of a-z @ [ \\ ] ^ _ (default " + DEFAULT + ")");
  }

  Scanner scanner() {
    return new Scanner(sequence);
  }

  /**
   * Finds the sequence across stdin frames. Bytes that may begin the sequence are held back until
   * the next byte decides: part of the sequence (kept back), or not (forwarded after all).
   */
  static final class Scanner {
    private final byte[] sequence;
    private int matched;

    private Scanner(byte[] sequence) {
      this.sequence = sequence;
    }

    /** What to forward of one frame, and whether the sequence completed in it (the rest is dropped). */
    record Result(byte[] forward, boolean detach) {}

    Result feed(byte[] frame) {
      ByteArrayOutputStream forward = new ByteArrayOutputStream(frame.length + sequence.length);
      for (byte b : frame) {
        if (b == sequence[matched]) {
          matched++;
          if (matched == sequence.length) {
            matched = 0;
            return new Result(forward.toByteArray(), true);
          }
          continue;
        }
        // the held-back prefix was typed for the container after all
        forward.write(sequence, 0, matched);
        matched = 0;
        if (b == sequence[0]) {
          matched = 1;
          if (sequence.length == 1) {
            matched = 0;
            return new Result(forward.toByteArray(), true);
          }
        } else {
          forward.write(b);
        }
      }
      return new Result(forward.toByteArray(), false);
    }
  }

  @Override
  public String toString() {
    return Arrays.toString(sequence);
  }
}
