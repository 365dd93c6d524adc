package dev.conman.runc;

import com.sun.jna.Memory;
import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * A NULL-terminated array of C strings, as execve's argv and envp, in one native allocation: the
 * pointers, then the strings. JNA's own String[] conversion allocates (and registers for cleaning)
 * one block per string and reads every string back after the call; for conmon's thirty arguments
 * and the daemon's forty-odd environment entries that was a quarter of a spawn's CPU.
 */
final class CStringArray extends Memory {

  private final int count;
  /** The array whose entries this one ends with: its strings must live as long as this. */
  private final CStringArray tail;
  /** This array's pointers, read once when another array first ends with its entries. */
  private volatile byte[] pointers;

  private CStringArray(byte[][] strings, long stringBytes, CStringArray tail) {
    super(pointersSize(entries(strings, tail)) + Math.max(1, stringBytes));
    this.tail = tail;
    this.count = entries(strings, tail);
    long base = Pointer.nativeValue(this);
    long at = pointersSize(count);
    for (int i = 0; i < strings.length; i++) {
      setLong((long) i * Native.POINTER_SIZE, base + at);
      write(at, strings[i], 0, strings[i].length);
      setByte(at + strings[i].length, (byte) 0);
      at += strings[i].length + 1L;
    }
    if (tail != null) {
      byte[] entries = tail.pointers();
      write((long) strings.length * Native.POINTER_SIZE, entries, 0, entries.length);
    }
    setLong((long) count * Native.POINTER_SIZE, 0);
  }

  /** {@code strings} (UTF-8) in a new array. */
  static CStringArray of(List<String> strings) {
    return of(strings, null);
  }

  /** {@code strings}, then the entries of {@code tail} (null for none), in a new array. */
  static CStringArray of(List<String> strings, CStringArray tail) {
    byte[][] bytes = new byte[strings.size()][];
    long total = 0;
    for (int i = 0; i < bytes.length; i++) {
      bytes[i] = strings.get(i).getBytes(StandardCharsets.UTF_8);
      total += bytes[i].length + 1L;
    }
    return new CStringArray(bytes, total, tail);
  }

  private byte[] pointers() {
    byte[] p = pointers;
    if (p == null) {
      p = getByteArray(0, count * Native.POINTER_SIZE);
      pointers = p;
    }
    return p;
  }

  /** The entries, the terminating NULL left out. */
  int count() {
    return count;
  }

  private static int entries(byte[][] strings, CStringArray tail) {
    return strings.length + (tail == null ? 0 : tail.count);
  }

  private static long pointersSize(int entries) {
    return (entries + 1L) * Native.POINTER_SIZE;
  }
}
