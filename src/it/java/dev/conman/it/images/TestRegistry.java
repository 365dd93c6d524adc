package dev.conman.it.images;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A private docker-registry on 127.0.0.1 fed with busybox images by scripts/test-registry.sh
 * (see there for what is pushed). Stopped (by its PID) on close.
 */
final class TestRegistry implements AutoCloseable {

  final Path dir;
  final String address;

  private TestRegistry(Path dir, String address) {
    this.dir = dir;
    this.address = address;
  }

  static Path repoRoot() {
    String prop = System.getProperty("repo.root");
    Path p = (prop != null ? Path.of(prop) : Path.of("../..")).toAbsolutePath().normalize();
    if (!Files.isRegularFile(p.resolve("scripts/test-registry.sh"))) {
      throw new IllegalStateException("cannot find scripts/test-registry.sh under " + p + "; set -Drepo.root");
    }
    return p;
  }

  /** Starts a registry with its data in {@code dir}; {@code htpasswd} "user:password" or null. */
  static TestRegistry start(Path dir, String htpasswd) throws IOException, InterruptedException {
    String out = script(Map.of("HTPASSWD", htpasswd == null ? "" : htpasswd), "start", dir.toString()).strip();
    String[] lines = out.split("\n");
    return new TestRegistry(dir, lines[lines.length - 1].strip());
  }

  static String script(Map<String, String> env, String... args) throws IOException, InterruptedException {
    List<String> cmd = new java.util.ArrayList<>(List.of("bash", repoRoot().resolve("scripts/test-registry.sh").toString()));
    cmd.addAll(List.of(args));
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(false);
    pb.environment().putAll(env);
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path err = Files.createTempFile("test-registry", ".err");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(120, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException("test-registry.sh timed out");
    }
    String errText = Files.readString(err);
    Files.delete(err);
    if (p.exitValue() != 0) {
      throw new IllegalStateException("test-registry.sh " + String.join(" ", args) + " failed (exit " + p.exitValue()
          + "):\n" + out + errText);
    }
    return out;
  }

  /** Blob GETs answered 200 by the registry so far, per the access log. */
  long blobGets(String digest) throws IOException {
    String needle = "\"GET /v2/busybox/blobs/" + digest + " HTTP/1.1\" 200";
    try (var lines = Files.lines(dir.resolve("registry.log"))) {
      return lines.filter(l -> l.contains(needle)).count();
    }
  }

  /** Where the registry keeps blob {@code hex}. */
  Path blobData(String hex) {
    return dir.resolve("registry-data/docker/registry/v2/blobs/sha256").resolve(hex.substring(0, 2)).resolve(hex)
        .resolve("data");
  }

  @Override
  public void close() throws IOException, InterruptedException {
    script(Map.of(), "stop", dir.toString());
  }
}
