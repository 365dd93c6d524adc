package dev.conman.it.images;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.zip.GZIPOutputStream;

/** Writes an OCI image layout with hand-made (malicious) tar layers, for skopeo to push. */
final class OciLayout {

  private static final ObjectMapper JSON = new ObjectMapper();

  private OciLayout() {}

  /** A tar writer that writes whatever names it is given. */
  static final class Tar {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    Tar file(String name, String content) {
      return entry(name, '0', 0644, content.getBytes(StandardCharsets.UTF_8), "");
    }

    Tar symlink(String name, String target) {
      return entry(name, '2', 0777, new byte[0], target);
    }

    Tar hardlink(String name, String target) {
      return entry(name, '1', 0644, new byte[0], target);
    }

    Tar entry(String name, char type, int mode, byte[] data, String link) {
      byte[] h = new byte[512];
      put(h, 0, name);
      put(h, 100, String.format("%07o", mode));
      put(h, 108, "0000000");
      put(h, 116, "0000000");
      put(h, 124, String.format("%011o", data.length));
      put(h, 136, String.format("%011o", 1_700_000_000L));
      h[156] = (byte) type;
      put(h, 157, link);
      put(h, 257, "ustar");
      put(h, 263, "00");
      for (int i = 148; i < 156; i++) {
        h[i] = ' ';
      }
      long sum = 0;
      for (byte b : h) {
        sum += b & 0xff;
      }
      put(h, 148, String.format("%06o", sum));
      h[154] = 0;
      out.writeBytes(h);
      out.writeBytes(data);
      out.writeBytes(new byte[(512 - data.length % 512) % 512]);
      return this;
    }

    private static void put(byte[] h, int off, String s) {
      byte[] b = s.getBytes(StandardCharsets.UTF_8);
      System.arraycopy(b, 0, h, off, b.length);
    }

    byte[] bytes() {
      out.writeBytes(new byte[1024]);
      return out.toByteArray();
    }
  }

  /** Writes a layout at {@code dir} whose image "latest" has the given layers (bottom first). */
  static void write(Path dir, byte[]... tars) throws IOException {
    Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
    Files.writeString(dir.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
    ObjectNode config = JSON.createObjectNode();
    config.put("architecture", "amd64").put("os", "linux");
    config.putObject("config").putArray("Cmd").add("/bin/sh");
    ObjectNode rootfs = config.putObject("rootfs").put("type", "layers");
    ArrayNode diffs = rootfs.putArray("diff_ids");
    ObjectNode manifest = JSON.createObjectNode();
    manifest.put("schemaVersion", 2).put("mediaType", "application/vnd.oci.image.manifest.v1+json");
    ArrayNode layers = JSON.createArrayNode();
    for (byte[] tar : tars) {
      byte[] gz = gzip(tar);
      diffs.add("sha256:" + sha(tar));
      layers.add(JSON.createObjectNode().put("mediaType", "application/vnd.oci.image.layer.v1.tar+gzip")
          .put("digest", "sha256:" + blob(blobs, gz)).put("size", gz.length));
    }
    byte[] cfg = JSON.writeValueAsBytes(config);
    manifest.putObject("config").put("mediaType", "application/vnd.oci.image.config.v1+json")
        .put("digest", "sha256:" + blob(blobs, cfg)).put("size", cfg.length);
    manifest.set("layers", layers);
    byte[] m = JSON.writeValueAsBytes(manifest);
    ObjectNode index = JSON.createObjectNode().put("schemaVersion", 2);
    index.putArray("manifests").addObject().put("mediaType", "application/vnd.oci.image.manifest.v1+json")
        .put("digest", "sha256:" + blob(blobs, m)).put("size", m.length)
        .putObject("annotations").put("org.opencontainers.image.ref.name", "latest");
    Files.write(dir.resolve("index.json"), JSON.writeValueAsBytes(index));
  }

  private static String blob(Path blobs, byte[] b) throws IOException {
    String hex = sha(b);
    Files.write(blobs.resolve(hex), b);
    return hex;
  }

  static String sha(byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  private static byte[] gzip(byte[] b) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream g = new GZIPOutputStream(out)) {
      g.write(b);
    }
    return out.toByteArray();
  }
}
