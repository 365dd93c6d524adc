package dev.conman.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * runc alone, on a private root, with bundles made by {@code runc spec} as the peers' setup.sh
 * does (terminal false, read-only root, RLIMIT_NOFILE 1024), pointing at the shared busybox rootfs.
 */
public final class BareRunc {

  static final Duration TIMEOUT = Duration.ofSeconds(60);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String runc;
  private final Path root;
  private final Path errLog;
  private final Path bundleTrue;
  private final Path bundleSleep;

  public BareRunc(String runc, Path root, Path work, Path rootfs) throws IOException {
    this.runc = runc;
    this.root = root;
    this.errLog = work.resolve("runc-bare.log");
    Files.createDirectories(root);
    this.bundleTrue = bundle(work.resolve("bundle-true"), rootfs, "/bin/true");
    this.bundleSleep = bundle(work.resolve("bundle-sleep"), rootfs, "/bin/sleep", "300");
  }

  private Path bundle(Path dir, Path rootfs, String... args) throws IOException {
    Files.createDirectories(dir);
    Path config = dir.resolve("config.json");
    Files.deleteIfExists(config);
    Procs.captured(List.of(runc, "spec", "--bundle", dir.toString()), TIMEOUT).check();
    ObjectNode c = (ObjectNode) JSON.readTree(config.toFile());
    ObjectNode process = (ObjectNode) c.get("process");
    ArrayNode a = process.putArray("args");
    for (String s : args) {
      a.add(s);
    }
    process.put("terminal", false);
    ArrayNode rl = process.putArray("rlimits");
    rl.addObject().put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
    ObjectNode r = (ObjectNode) c.get("root");
    r.put("path", rootfs.toAbsolutePath().toString());
    r.put("readonly", true);
    JSON.writerWithDefaultPrettyPrinter().writeValue(config.toFile(), c);
    return dir;
  }

  public Path bundleTrue() {
    return bundleTrue;
  }

  public Path bundleSleep() {
    return bundleSleep;
  }

  public Path errLog() {
    return errLog;
  }

  public List<String> cmd(String... args) {
    List<String> l = new ArrayList<>(List.of(runc, "--root", root.toString()));
    l.addAll(List.of(args));
    return l;
  }

  /** runc create/run -d: the container keeps runc's stdio, so /dev/null + log file. */
  public Procs.Result detached(String... args) {
    return Procs.detached(cmd(args), errLog, TIMEOUT);
  }

  public Procs.Result call(String... args) {
    return Procs.captured(cmd(args), TIMEOUT);
  }

  /** ids and status from {@code runc list --format json}. */
  public List<String[]> list() {
    Procs.Result r = call("list", "--format", "json").check();
    List<String[]> out = new ArrayList<>();
    try {
      JsonNode arr = JSON.readTree(r.out().isBlank() ? "[]" : r.out());
      if (arr != null && arr.isArray()) {
        for (JsonNode n : arr) {
          out.add(new String[] {n.path("id").asText(), n.path("status").asText()});
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("runc list: " + e.getMessage(), e);
    }
    return out;
  }

  public long countRunning(String prefix) {
    return list().stream().filter(x -> x[0].startsWith(prefix) && x[1].equals("running")).count();
  }

  public long count(String prefix) {
    return list().stream().filter(x -> x[0].startsWith(prefix)).count();
  }

  public void removeAll(String prefix) {
    for (String[] x : list()) {
      if (x[0].startsWith(prefix)) {
        call("delete", "--force", x[0]);
      }
    }
  }
}
