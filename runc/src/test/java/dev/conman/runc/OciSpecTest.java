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
  void aTerminalProcessGetsTermUnlessTheUserSetOne(@TempDir Path bundle) throws Exception {
    JsonNode process = MAPPER.readTree(Files.readString(BundleWriter.write(bundle,
        spec(List.of("A=1")).withTerminal(true)))).path("process");
    assertTrue(process.path("terminal").asBoolean());
    assertEquals(List.of(OciSpec.DEFAULT_PATH, "A=1", "TERM=xterm"), texts(process.path("env")));
    assertEquals(List.of("TERM=vt100"), OciSpec.withTerm(List.of("TERM=vt100")));
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
    JsonNode caps = process.path("capabilities");
    for (String set : List.of("bounding", "effective", "permitted")) {
      assertEquals(Capabilities.DEFAULT, texts(caps.path(set)), set);
    }
    assertTrue(caps.path("inheritable").isArray() && caps.path("inheritable").isEmpty(), "CVE-2022-24769");
    assertTrue(caps.path("ambient").isArray() && caps.path("ambient").isEmpty());
    assertFalse(process.path("user").has("additionalGids"));
    JsonNode rlimit = process.path("rlimits").get(0);
    assertEquals("RLIMIT_NOFILE", rlimit.path("type").asText());
    assertEquals(1024, rlimit.path("soft").asInt());
    assertEquals(1024, rlimit.path("hard").asInt());

    assertEquals("/var/lib/x/rootfs", root.path("root").path("path").asText());
    assertTrue(root.path("root").path("readonly").asBoolean());
    assertEquals("box", root.path("hostname").asText());
  }

  @Test
  void joinsAPreparedNetworkNamespaceAndMountsItsFiles() {
    BundleSpec spec = spec(List.of()).withNetwork(NetNamespace.join(Path.of("/run/netns/conman-abc")),
        List.of(new BindMount(Path.of("/state/c/net/hosts"), "/etc/hosts", false)));
    JsonNode root = OciSpec.build(spec);
    List<JsonNode> network = new ArrayList<>();
    root.path("linux").path("namespaces").forEach(ns -> {
      if (ns.path("type").asText().equals("network")) {
        network.add(ns);
      }
    });
    assertEquals(1, network.size());
    assertEquals("/run/netns/conman-abc", network.get(0).path("path").asText());
    JsonNode last = root.path("mounts").get(root.path("mounts").size() - 1);
    assertEquals("/etc/hosts", last.path("destination").asText());
    assertEquals("bind", last.path("type").asText());
    assertEquals("/state/c/net/hosts", last.path("source").asText());
    assertTrue(texts(last.path("options")).contains("rbind"));
  }

  @Test
  void theUsersMountsComeAfterTheDefaultsParentsFirstAndWinOverTheDaemonsFiles() {
    BundleSpec spec = spec(List.of()).withNetwork(NetNamespace.HOST,
        List.of(new BindMount(Path.of("/state/c/etc/hosts"), "/etc/hosts", false),
            new BindMount(Path.of("/state/c/etc/resolv.conf"), "/etc/resolv.conf", false)))
        .withVolumes(List.of(
            new VolumeMount(VolumeMount.Kind.BIND, "/srv/conf/resolv.conf", "/etc/resolv.conf", true),
            new VolumeMount(VolumeMount.Kind.TMPFS, null, "/data/cache", false),
            new VolumeMount(VolumeMount.Kind.BIND, "/srv/data", "/data", false)));
    JsonNode mounts = OciSpec.build(spec).path("mounts");
    List<String> destinations = new ArrayList<>();
    mounts.forEach(m -> destinations.add(m.path("destination").asText()));
    int defaults = OciSpec.build(spec(List.of())).path("mounts").size();
    assertEquals(List.of("/data", "/etc/hosts", "/etc/resolv.conf", "/data/cache"),
        destinations.subList(defaults, destinations.size()), "by depth, in order; one /etc/resolv.conf: the user's");
    JsonNode resolv = mounts.get(defaults + 2);
    assertEquals("/srv/conf/resolv.conf", resolv.path("source").asText());
    assertEquals(List.of("rbind", "rprivate", "ro"), texts(resolv.path("options")));
    JsonNode data = mounts.get(defaults);
    assertEquals(List.of("rbind", "rprivate", "rw"), texts(data.path("options")), "executables run from a bind");
    JsonNode cache = mounts.get(defaults + 3);
    assertEquals("tmpfs", cache.path("type").asText());
    assertEquals(List.of("nosuid", "nodev", "mode=1777", "rw"), texts(cache.path("options")));
  }

  @Test
  void hostNetworkingHasNoNetworkNamespace() {
    JsonNode root = OciSpec.build(spec(List.of()).withNetwork(NetNamespace.HOST, null));
    root.path("linux").path("namespaces").forEach(ns -> assertFalse(ns.path("type").asText().equals("network")));
    assertEquals(5, OciSpec.build(spec(List.of())).path("linux").path("namespaces").size());
    assertThrows(IllegalArgumentException.class, () -> NetNamespace.join(Path.of("relative")));
    assertThrows(IllegalArgumentException.class, () -> new BindMount(Path.of("/a"), "etc/hosts", false));
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
  void theIdPutsTheCgroupUnderConmanAndNoIdLeavesItToRunc(@TempDir Path bundle) throws Exception {
    JsonNode withId = MAPPER.readTree(Files.readString(BundleWriter.write(bundle, "c-1", spec(List.of()))));
    assertEquals("/conman/c-1", withId.path("linux").path("cgroupsPath").asText());
    JsonNode without = MAPPER.readTree(Files.readString(BundleWriter.write(bundle, spec(List.of()))));
    assertFalse(without.path("linux").has("cgroupsPath"));
    assertThrows(IllegalArgumentException.class, () -> BundleWriter.write(bundle, "../x", spec(List.of())));
  }

  @Test
  void writesLimitsToLinuxResources() {
    Resources limits = Resources.cpus(0.5).withMemory(16L << 20).withMemorySwap(-1L).withCpuShares(512L)
        .withPidsLimit(10L).withCpusetCpus("0");
    JsonNode resources = OciSpec.build("c", spec(List.of()).withResources(limits)).path("linux").path("resources");
    assertEquals(16L << 20, resources.path("memory").path("limit").asLong());
    assertEquals(-1, resources.path("memory").path("swap").asLong());
    JsonNode cpu = resources.path("cpu");
    assertEquals(50_000, cpu.path("quota").asLong());
    assertEquals(100_000, cpu.path("period").asLong());
    assertEquals(512, cpu.path("shares").asLong());
    assertEquals("0", cpu.path("cpus").asText());
    assertEquals(10, resources.path("pids").path("limit").asLong());
    assertFalse(resources.path("devices").get(0).path("allow").asBoolean(true));
  }

  @Test
  void unsetLimitsAreAbsentAndAQuotaAloneGetsTheDefaultPeriod() {
    JsonNode none = OciSpec.build(spec(List.of())).path("linux").path("resources");
    assertFalse(none.has("memory") || none.has("cpu") || none.has("pids"));
    Resources quota = new Resources(null, null, 25_000L, null, null, null, null);
    JsonNode cpu = OciSpec.build(spec(List.of()).withResources(quota)).path("linux").path("resources").path("cpu");
    assertEquals(25_000, cpu.path("quota").asLong());
    assertEquals(100_000, cpu.path("period").asLong());
    assertFalse(cpu.has("shares") || cpu.has("cpus"));
    JsonNode memory = OciSpec.build(spec(List.of()).withResources(Resources.NONE.withMemory(8L << 20)))
        .path("linux").path("resources").path("memory");
    assertFalse(memory.has("swap"));
  }

  @Test
  void writesTheUserAndTheSecurityOptions() {
    Security security = Security.defaults().withUser(new User(1000, 1000, List.of(2000L, 3000L)))
        .withCapabilities(List.of("net_admin", "CAP_SYS_TIME"), List.of("NET_RAW", "cap_mknod"))
        .withNoNewPrivileges(false);
    JsonNode process = OciSpec.build(spec(List.of()).withSecurity(security)).path("process");
    assertEquals(1000, process.path("user").path("uid").asLong());
    assertEquals(1000, process.path("user").path("gid").asLong());
    assertEquals(List.of("2000", "3000"), texts(process.path("user").path("additionalGids")));
    List<String> effective = texts(process.path("capabilities").path("effective"));
    assertTrue(effective.containsAll(List.of("CAP_NET_ADMIN", "CAP_SYS_TIME", "CAP_CHOWN")), effective.toString());
    assertFalse(effective.contains("CAP_NET_RAW") || effective.contains("CAP_MKNOD"), effective.toString());
    assertEquals(effective, texts(process.path("capabilities").path("bounding")));
    assertTrue(process.path("capabilities").path("inheritable").isEmpty());
    assertFalse(process.path("noNewPrivileges").asBoolean(true));
  }

  @Test
  void privilegedGetsEveryCapabilityTheHostHasAllDevicesAndNoMaskedPaths() {
    JsonNode root = OciSpec.build(spec(List.of()).withSecurity(Security.defaults().withPrivileged(true)));
    List<String> expected = Capabilities.ALL.stream().filter(Capabilities.hostBounding()::contains).toList();
    JsonNode caps = root.path("process").path("capabilities");
    assertEquals(expected, texts(caps.path("permitted")));
    assertTrue(caps.path("inheritable").isEmpty() && caps.path("ambient").isEmpty());
    JsonNode linux = root.path("linux");
    assertTrue(linux.path("resources").path("devices").get(0).path("allow").asBoolean());
    assertFalse(linux.has("maskedPaths") || linux.has("readonlyPaths"));
    assertTrue(texts(root.path("mounts").get(5).path("options")).contains("rw"));
    assertTrue(root.path("process").path("noNewPrivileges").asBoolean(), "an independent option");
  }

  @Test
  void rejectsASwapLimitWithoutAMemoryLimit() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> spec(List.of()).withResources(Resources.NONE.withMemorySwap(64L << 20)));
    assertTrue(e.getMessage().contains("needs a memory limit"), e.getMessage());
  }

  @Test
  void theWriterRefusesWhatTheHostCannotGive(@TempDir Path bundle) {
    assertThrows(IllegalArgumentException.class, () -> BundleWriter.write(bundle, "c",
        spec(List.of()).withResources(Resources.NONE.withCpusetCpus("8000"))));
    assertFalse(Files.exists(bundle.resolve("config.json")));
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
