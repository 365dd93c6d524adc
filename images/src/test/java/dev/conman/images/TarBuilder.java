package dev.conman.images;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Writes tar archives byte by byte, including malicious ones, for the tests. */
final class TarBuilder {

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  long mtime = 1_700_000_000L;
  int uid;
  int gid;

  TarBuilder dir(String name, int mode) {
    return entry(name, '5', mode, new byte[0], "", 0, 0);
  }

  TarBuilder file(String name, String content) {
    return file(name, content, 0644);
  }

  TarBuilder file(String name, String content, int mode) {
    return entry(name, '0', mode, content.getBytes(StandardCharsets.UTF_8), "", 0, 0);
  }

  TarBuilder symlink(String name, String target) {
    return entry(name, '2', 0777, new byte[0], target, 0, 0);
  }

  TarBuilder hardlink(String name, String target) {
    return entry(name, '1', 0644, new byte[0], target, 0, 0);
  }

  TarBuilder device(String name, char type, int major, int minor) {
    return entry(name, type, 0666, new byte[0], "", major, minor);
  }

  TarBuilder whiteout(String dir, String name) {
    return file((dir.isEmpty() ? "" : dir + "/") + ".wh." + name, "");
  }

  TarBuilder opaque(String dir) {
    return file(dir + "/.wh..wh..opq", "");
  }

  /** A PAX extended header applying to the next entry. */
  TarBuilder pax(Map<String, String> records) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (Map.Entry<String, String> r : records.entrySet()) {
      byte[] kv = (" " + r.getKey() + "=" + r.getValue() + "\n").getBytes(StandardCharsets.UTF_8);
      int len = kv.length + 1;
      while (Integer.toString(len).length() + kv.length != len) {
        len = Integer.toString(len).length() + kv.length;
      }
      b.writeBytes((len + new String(kv, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
    }
    return entry("PaxHeaders/x", 'x', 0644, b.toByteArray(), "", 0, 0);
  }

  /** A GNU long name header for the next entry. */
  TarBuilder gnuLongName(String name) {
    byte[] n = (name + "\0").getBytes(StandardCharsets.UTF_8);
    return entry("././@LongLink", 'L', 0644, n, "", 0, 0);
  }

  TarBuilder entry(String name, char type, int mode, byte[] data, String link, int major, int minor) {
    byte[] h = new byte[512];
    put(h, 0, 100, name.getBytes(StandardCharsets.UTF_8));
    octal(h, 100, 8, mode);
    octal(h, 108, 8, uid);
    octal(h, 116, 8, gid);
    octal(h, 124, 12, data.length);
    octal(h, 136, 12, mtime);
    h[156] = (byte) type;
    put(h, 157, 100, link.getBytes(StandardCharsets.UTF_8));
    put(h, 257, 6, "ustar\0".getBytes(StandardCharsets.US_ASCII));
    put(h, 263, 2, "00".getBytes(StandardCharsets.US_ASCII));
    octal(h, 329, 8, major);
    octal(h, 337, 8, minor);
    for (int i = 148; i < 156; i++) {
      h[i] = ' ';
    }
    long sum = 0;
    for (byte x : h) {
      sum += x & 0xff;
    }
    byte[] cs = String.format("%06o\0 ", sum).getBytes(StandardCharsets.US_ASCII);
    System.arraycopy(cs, 0, h, 148, 8);
    out.writeBytes(h);
    out.writeBytes(data);
    out.writeBytes(new byte[(512 - data.length % 512) % 512]);
    return this;
  }

  private static void put(byte[] h, int off, int len, byte[] v) {
    if (v.length > len) {
      throw new IllegalArgumentException("field too long: " + new String(v, StandardCharsets.UTF_8));
    }
    System.arraycopy(v, 0, h, off, v.length);
  }

  private static void octal(byte[] h, int off, int len, long v) {
    String s = String.format("%0" + (len - 1) + "o", v);
    put(h, off, len, (s + "\0").getBytes(StandardCharsets.US_ASCII));
  }

  byte[] build() {
    out.writeBytes(new byte[1024]);
    return out.toByteArray();
  }

  static byte[] gzip(byte[] data) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(b)) {
      g.write(data);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    return b.toByteArray();
  }

  static Map<String, String> map(String... kv) {
    Map<String, String> m = new LinkedHashMap<>();
    for (int i = 0; i < kv.length; i += 2) {
      m.put(kv[i], kv[i + 1]);
    }
    return m;
  }
}
