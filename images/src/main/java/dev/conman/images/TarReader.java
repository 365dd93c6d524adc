package dev.conman.images;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A streaming tar reader: POSIX ustar, GNU long names ('L', 'K'), PAX extended headers ('x', 'g':
 * path, linkpath, size, uid, gid, mtime, SCHILY.xattr.*), base-256 numbers. Sparse files and
 * multi-volume archives are rejected. Checksums are verified. After {@link #next()}, the entry's
 * data is read from {@link #content()}; unread data is skipped by the next call.
 */
public final class TarReader {

  private static final int BLOCK = 512;
  private static final int MAX_META = 1 << 20; // PAX / GNU long name records

  private final InputStream in;
  private final byte[] header = new byte[BLOCK];
  private final byte[] skipBuffer = new byte[8192];
  private final Map<String, String> globalPax = new HashMap<>();
  private long remaining; // data bytes of the current entry not yet read
  private long padding;
  private boolean done;

  public TarReader(InputStream in) {
    this.in = in;
  }

  /** The next entry, or null at the end of the archive. */
  public TarEntry next() throws IOException {
    if (done) {
      return null;
    }
    skip(remaining + padding);
    remaining = 0;
    padding = 0;
    Map<String, String> pax = new LinkedHashMap<>(globalPax);
    String longName = null;
    String longLink = null;
    while (true) {
      if (!readBlock()) {
        done = true; // EOF without the end-of-archive blocks: accepted, as GNU tar does
        return null;
      }
      if (isZero(header)) {
        done = true; // end of archive (the second zero block and padding are left to the caller's drain)
        return null;
      }
      verifyChecksum();
      char type = (char) header[156];
      long size = number(124, 12, "size");
      if (size < 0) {
        throw new IOException("corrupt tar: negative size");
      }
      switch (type) {
        case 'x', 'g' -> {
          Map<String, String> records = parsePax(readMeta(size, "PAX header"));
          if (type == 'g') {
            globalPax.putAll(records);
          }
          pax.putAll(records);
          continue;
        }
        case 'L' -> {
          longName = cString(readMeta(size, "GNU long name"));
          continue;
        }
        case 'K' -> {
          longLink = cString(readMeta(size, "GNU long link name"));
          continue;
        }
        case 'S' -> throw new IOException("GNU sparse files are not supported in layers");
        case 'M' -> throw new IOException("multi-volume tar archives are not supported");
        default -> { }
      }
      return entry(type, size, pax, longName, longLink);
    }
  }

  /** The data of the current entry (regular files); reads at most its size. */
  public InputStream content() {
    return new InputStream() {
      @Override
      public int read() throws IOException {
        byte[] b = new byte[1];
        int n = read(b, 0, 1);
        return n < 0 ? -1 : b[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) throws IOException {
        if (remaining <= 0) {
          return -1;
        }
        int n = in.read(b, off, (int) Math.min(len, remaining));
        if (n < 0) {
          throw new EOFException("tar truncated inside an entry's data");
        }
        remaining -= n;
        return n;
      }
    };
  }

  private TarEntry entry(char type, long size, Map<String, String> pax, String longName, String longLink)
      throws IOException {
    boolean ustar = header[257] == 'u' && header[258] == 's' && header[259] == 't' && header[260] == 'a'
        && header[261] == 'r';
    boolean gnu = ustar && header[262] == ' ';
    String name = string(0, 100);
    if (ustar && !gnu) {
      String prefix = string(345, 155);
      if (!prefix.isEmpty()) {
        name = prefix + "/" + name;
      }
    }
    if (longName != null) {
      name = longName;
    }
    String link = longLink != null ? longLink : string(157, 100);
    if (type == '\0') {
      type = TarEntry.REGULAR;
    } else if (type == '7') {
      type = TarEntry.REGULAR; // contiguous file
    }
    int mode = (int) (number(100, 8, "mode") & 07777);
    long uid = number(108, 8, "uid");
    long gid = number(116, 8, "gid");
    Instant mtime = Instant.ofEpochSecond(number(136, 12, "mtime"));
    long major = ustar ? number(329, 8, "devmajor") : 0;
    long minor = ustar ? number(337, 8, "devminor") : 0;
    Map<String, byte[]> xattrs = new LinkedHashMap<>();
    for (Map.Entry<String, String> e : pax.entrySet()) {
      String k = e.getKey();
      String v = e.getValue();
      try {
        switch (k) {
          case "path" -> name = v;
          case "linkpath" -> link = v;
          case "size" -> size = Long.parseLong(v);
          case "uid" -> uid = Long.parseLong(v);
          case "gid" -> gid = Long.parseLong(v);
          case "mtime" -> mtime = paxTime(v);
          default -> {
            if (k.startsWith("SCHILY.xattr.")) {
              xattrs.put(k.substring(13), v.getBytes(StandardCharsets.ISO_8859_1));
            }
          }
        }
      } catch (NumberFormatException | java.time.DateTimeException ex) {
        throw new IOException("corrupt tar: bad PAX value " + k + "=" + v);
      }
    }
    if (size < 0) {
      throw new IOException("corrupt tar: negative size for " + name);
    }
    // only these types carry data; a hard link's size field is ignored as GNU tar does
    boolean hasData = type == TarEntry.REGULAR || !(type == TarEntry.HARDLINK || type == TarEntry.SYMLINK
        || type == TarEntry.CHAR || type == TarEntry.BLOCK || type == TarEntry.DIRECTORY || type == TarEntry.FIFO);
    long dataSize = hasData ? size : 0;
    remaining = dataSize;
    padding = (BLOCK - dataSize % BLOCK) % BLOCK;
    return new TarEntry(name, type, mode, uid, gid, dataSize, mtime, link, major, minor, xattrs);
  }

  private static Instant paxTime(String v) {
    int dot = v.indexOf('.');
    if (dot < 0) {
      return Instant.ofEpochSecond(Long.parseLong(v));
    }
    long secs = Long.parseLong(v.substring(0, dot));
    String frac = (v.substring(dot + 1) + "000000000").substring(0, 9);
    long nanos = Long.parseLong(frac);
    return v.startsWith("-") ? Instant.ofEpochSecond(secs, -nanos) : Instant.ofEpochSecond(secs, nanos);
  }

  private byte[] readMeta(long size, String what) throws IOException {
    if (size > MAX_META) {
      throw new IOException("corrupt tar: " + what + " of " + size + " bytes (limit " + MAX_META + ")");
    }
    byte[] data = in.readNBytes((int) size);
    if (data.length != size) {
      throw new EOFException("tar truncated inside a " + what);
    }
    skip((BLOCK - size % BLOCK) % BLOCK);
    return data;
  }

  static Map<String, String> parsePax(byte[] data) throws IOException {
    Map<String, String> out = new LinkedHashMap<>();
    int pos = 0;
    while (pos < data.length) {
      if (data[pos] == 0) {
        break;
      }
      int space = pos;
      while (space < data.length && data[space] != ' ') {
        space++;
      }
      int len;
      try {
        len = Integer.parseInt(new String(data, pos, space - pos, StandardCharsets.US_ASCII));
      } catch (NumberFormatException e) {
        throw new IOException("corrupt PAX header: bad record length");
      }
      if (len <= space - pos || pos + len > data.length || data[pos + len - 1] != '\n') {
        throw new IOException("corrupt PAX header: bad record");
      }
      int eq = space + 1;
      while (eq < pos + len && data[eq] != '=') {
        eq++;
      }
      if (eq >= pos + len - 1 + 1) {
        throw new IOException("corrupt PAX header: record without '='");
      }
      String key = new String(data, space + 1, eq - space - 1, StandardCharsets.UTF_8);
      // xattr values are binary: keep the bytes (ISO-8859-1 round-trips); the rest is UTF-8
      String value = key.startsWith("SCHILY.xattr.")
          ? new String(data, eq + 1, pos + len - 1 - eq - 1, StandardCharsets.ISO_8859_1)
          : new String(data, eq + 1, pos + len - 1 - eq - 1, StandardCharsets.UTF_8);
      out.put(key, value);
      pos += len;
    }
    return out;
  }

  private boolean readBlock() throws IOException {
    int n = in.readNBytes(header, 0, BLOCK);
    if (n == 0) {
      return false;
    }
    if (n < BLOCK) {
      throw new EOFException("tar truncated inside a header");
    }
    return true;
  }

  /** Reads (not skips: the caller may be hashing the stream) and discards {@code n} bytes. */
  private void skip(long n) throws IOException {
    while (n > 0) {
      int r = in.read(skipBuffer, 0, (int) Math.min(skipBuffer.length, n));
      if (r < 0) {
        throw new EOFException("tar truncated inside an entry's data");
      }
      n -= r;
    }
  }

  private static boolean isZero(byte[] b) {
    for (byte x : b) {
      if (x != 0) {
        return false;
      }
    }
    return true;
  }

  private void verifyChecksum() throws IOException {
    long stored = number(148, 8, "checksum");
    long unsigned = 0;
    long signed = 0;
    for (int i = 0; i < BLOCK; i++) {
      byte b = (i >= 148 && i < 156) ? (byte) ' ' : header[i];
      unsigned += b & 0xff;
      signed += b;
    }
    if (stored != unsigned && stored != signed) {
      throw new IOException("corrupt tar: header checksum mismatch (not a tar archive, or damaged)");
    }
  }

  private String string(int off, int len) {
    int end = off;
    while (end < off + len && header[end] != 0) {
      end++;
    }
    return new String(header, off, end - off, StandardCharsets.UTF_8);
  }

  private static String cString(byte[] b) {
    int end = 0;
    while (end < b.length && b[end] != 0) {
      end++;
    }
    return new String(b, 0, end, StandardCharsets.UTF_8);
  }

  /** An octal ASCII number, or GNU base-256 (first byte has the high bit set). */
  private long number(int off, int len, String field) throws IOException {
    if ((header[off] & 0x80) != 0) {
      boolean negative = (header[off] & 0x40) != 0;
      long v = header[off] & 0x3f;
      if (negative) {
        v |= ~0x3fL;
      }
      for (int i = 1; i < len; i++) {
        if (((v << 8) >> 8) != v) {
          throw new IOException("corrupt tar: " + field + " overflows");
        }
        v = (v << 8) | (header[off + i] & 0xff);
      }
      return v;
    }
    int i = off;
    int end = off + len;
    while (i < end && (header[i] == ' ' || header[i] == 0)) {
      i++;
    }
    long v = 0;
    boolean any = false;
    for (; i < end; i++) {
      byte b = header[i];
      if (b == ' ' || b == 0) {
        break;
      }
      if (b < '0' || b > '7') {
        throw new IOException("corrupt tar: bad octal " + field + " field "
            + Arrays.toString(Arrays.copyOfRange(header, off, end)));
      }
      if (v >>> 60 != 0) {
        throw new IOException("corrupt tar: " + field + " overflows");
      }
      v = (v << 3) | (b - '0');
      any = true;
    }
    return any ? v : 0;
  }
}
