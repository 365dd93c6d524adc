package dev.conman.images;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An image built in memory: gzip'd layers, config, OCI (or Docker) manifest; all blobs by digest. */
final class TestImage {

  final Map<Digest, byte[]> blobs = new LinkedHashMap<>();
  final List<Digest> layers = new ArrayList<>();
  final List<Digest> diffIds = new ArrayList<>();
  Digest configDigest;
  byte[] manifest;
  Digest manifestDigest;
  String manifestMediaType;

  static TestImage of(String arch, boolean docker, byte[]... tars) {
    return of(arch, docker, List.of("/bin/sh", "-c", "echo hi"), tars);
  }

  static TestImage of(String arch, boolean docker, List<String> cmd, byte[]... tars) {
    TestImage t = new TestImage();
    ObjectNode config = Json.MAPPER.createObjectNode();
    config.put("created", "2024-01-02T03:04:05.123456789Z");
    config.put("architecture", arch);
    config.put("os", "linux");
    ObjectNode c = config.putObject("config");
    c.putArray("Env").add("PATH=/bin").add("A=1");
    ArrayNode cmdNode = c.putArray("Cmd");
    cmd.forEach(cmdNode::add);
    c.putArray("Entrypoint");
    c.put("WorkingDir", "/work");
    c.put("User", "1000:1000");
    c.putObject("Labels").put("org.example", "yes");
    ObjectNode rootfs = config.putObject("rootfs");
    rootfs.put("type", "layers");
    ArrayNode diffs = rootfs.putArray("diff_ids");
    ObjectNode m = Json.MAPPER.createObjectNode();
    m.put("schemaVersion", 2);
    t.manifestMediaType = docker ? MediaTypes.DOCKER_MANIFEST : MediaTypes.OCI_MANIFEST;
    m.put("mediaType", t.manifestMediaType);
    ArrayNode ls = Json.MAPPER.createArrayNode();
    for (byte[] tar : tars) {
      byte[] gz = TarBuilder.gzip(tar);
      Digest d = Digest.of(gz);
      t.blobs.put(d, gz);
      t.layers.add(d);
      Digest diff = Digest.of(tar);
      t.diffIds.add(diff);
      diffs.add(diff.toString());
      ls.addObject().put("mediaType", docker ? MediaTypes.DOCKER_LAYER_GZIP : MediaTypes.OCI_LAYER_GZIP)
          .put("digest", d.toString()).put("size", gz.length);
    }
    byte[] cfg = json(config);
    t.configDigest = Digest.of(cfg);
    t.blobs.put(t.configDigest, cfg);
    m.putObject("config").put("mediaType", docker ? MediaTypes.DOCKER_CONFIG : MediaTypes.OCI_CONFIG)
        .put("digest", t.configDigest.toString()).put("size", cfg.length);
    m.set("layers", ls);
    t.manifest = json(m);
    t.manifestDigest = Digest.of(t.manifest);
    return t;
  }

  /** An OCI index over {@code images} keyed by architecture. */
  static byte[] index(Map<String, TestImage> images) {
    ObjectNode i = Json.MAPPER.createObjectNode();
    i.put("schemaVersion", 2);
    i.put("mediaType", MediaTypes.OCI_INDEX);
    ArrayNode ms = i.putArray("manifests");
    images.forEach((arch, img) -> {
      ObjectNode e = ms.addObject();
      e.put("mediaType", img.manifestMediaType).put("digest", img.manifestDigest.toString())
          .put("size", img.manifest.length);
      e.putObject("platform").put("os", "linux").put("architecture", arch);
    });
    return json(i);
  }

  static byte[] json(Object node) {
    try {
      return Json.MAPPER.writer().without(com.fasterxml.jackson.databind.SerializationFeature.INDENT_OUTPUT)
          .writeValueAsBytes(node);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }
}
