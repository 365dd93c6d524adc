package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OciSpecTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private static BundleSpec spec(List<String> env) {
    return new BundleSpec(List.of("sh", "-c", "echo hi"), env, "/work", Path.of("/var/lib/x/rootfs"),
        true, "box");
  }

  @Test
  void writesAParsableConfigWithTheRequestedProcess(@TempDir Path bundle) throws Exception {
    Path config = BundleWriter.write(bundle, spec(List.of("A=1")));
    assertEquals(bundle.resolve("config.json"), config);
    JsonNode root = MAPPER.readTree(Files.readString(config));

    assertEquals(OciSpec.OCI_VERSION, root.path("ociVersion").asText());
    JsonNode process = root.path("process");
    assertEquals(List.of("sh", "-c", "echo hi"), texts(process.path("args")));
    assertEquals(List.of(OciSpec.DEFAULT_PATH, "A=1"), texts(process.path("env")));
    assertEquals("/work", process.path("cwd").asText());
    assertFalse(process.path("terminal").asBoolean(true));
    assertEquals(0, process.path("user").path("uid").asInt(-1));
    assertEquals(0, process.path("user").path("gid").asInt(-1));
    assertTrue(process.path("noNewPrivileges").asBoolean());
    assertFalse(process.has("oomScoreAdj"), "oomScoreAdj needs CAP_SYS_RESOURCE");
    assertEquals(OciSpec.CAPABILITIES, texts(process.path("capabilities").path("bounding")));
    assertEquals(OciSpec.CAPABILITIES, texts(process.path("capabilities").path("ambient")));
    JsonNode rlimit = process.path("rlimits").get(0);
    assertEquals("RLIMIT_NOFILE", rlimit.path("type").asText());
    assertEquals(1024, rlimit.path("soft").asInt());
    assertEquals(1024, rlimit.path("hard").asInt());

    assertEquals("/var/lib/x/rootfs", root.path("root").path("path").asText());
    assertTrue(root.path("root").path("readonly").asBoolean());
    assertEquals("box", root.path("hostname").asText());
  }

  @Test
  void hasRuncSpecDefaultsForNamespacesMountsAndPaths(@TempDir Path bundle) throws Exception {
    JsonNode root = MAPPER.readTree(Files.readString(BundleWriter.write(bundle, spec(List.of()))));
    JsonNode linux = root.path("linux");
    List<String> namespaces = new ArrayList<>();
    linux.path("namespaces").forEach(n -> namespaces.add(n.path("type").asText()));
    assertEquals(List.of("pid", "network", "ipc", "uts", "mount"), namespaces);
    List<String> destinations = new ArrayList<>();
    root.path("mounts").forEach(m -> destinations.add(m.path("destination").asText()));
    assertEquals(List.of("/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup"),
        destinations);
    assertEquals("cgroup", root.path("mounts").get(6).path("type").asText());
    assertTrue(texts(root.path("mounts").get(6).path("options")).contains("ro"));
    assertTrue(texts(linux.path("maskedPaths")).contains("/proc/kcore"));
    assertTrue(texts(linux.path("readonlyPaths")).contains("/proc/sys"));
    assertFalse(linux.path("resources").path("devices").get(0).path("allow").asBoolean(true));
  }

  @Test
  void keepsTheCallersPathAndOmitsAnUnsetHostname(@TempDir Path bundle) throws Exception {
    BundleSpec spec = new BundleSpec(List.of("true"), List.of("PATH=/bin", "B=2"), null,
        Path.of("/r"), false, null);
    JsonNode root = MAPPER.readTree(Files.readString(BundleWriter.write(bundle, spec)));
    assertEquals(List.of("PATH=/bin", "B=2"), texts(root.path("process").path("env")));
    assertEquals("/", root.path("process").path("cwd").asText());
    assertFalse(root.path("root").path("readonly").asBoolean(true));
    assertFalse(root.has("hostname"));
  }

  @Test
  void replacesAnExistingConfigAndLeavesNoTemporaryFile(@TempDir Path bundle) throws Exception {
    BundleWriter.write(bundle, spec(List.of()));
    BundleWriter.write(bundle, new BundleSpec(List.of("true"), List.of(), "/", Path.of("/r"), false, null));
    try (var files = Files.list(bundle)) {
      assertEquals(List.of(bundle.resolve("config.json")), files.toList());
    }
    JsonNode root = MAPPER.readTree(Files.readString(bundle.resolve("config.json")));
    assertEquals(List.of("true"), texts(root.path("process").path("args")));
  }

  @Test
  void rejectsInvalidRequests() {
    Path rootfs = Path.of("/r");
    assertThrows(IllegalArgumentException.class,
        () -> new BundleSpec(List.of(), List.of(), "/", rootfs, false, null));
    assertThrows(IllegalArgumentException.class,
        () -> new BundleSpec(List.of("true"), List.of("NOEQUALS"), "/", rootfs, false, null));
    assertThrows(IllegalArgumentException.class,
        () -> new BundleSpec(List.of("true"), List.of(), "relative", rootfs, false, null));
    assertThrows(IllegalArgumentException.class,
        () -> new BundleSpec(List.of("true"), List.of(), "/", Path.of("rootfs"), false, null));
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }
}
