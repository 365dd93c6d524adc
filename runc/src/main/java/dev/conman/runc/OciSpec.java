package dev.conman.runc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an OCI runtime spec (config.json) from a {@link BundleSpec}, with the defaults of
 * {@code runc spec} (runc 1.1.5) for everything the request does not say: the same
 * capabilities, namespaces, mounts and masked paths a plain runc container gets.
 *
 * <p>Not set on purpose: {@code process.oomScoreAdj}, because lowering it needs
 * CAP_SYS_RESOURCE, which these hosts lack, and runc create then fails obscurely.
 */
public final class OciSpec {

  public static final String OCI_VERSION = "1.0.2-dev";
  public static final String DEFAULT_PATH =
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  static final List<String> CAPABILITIES =
      List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
  static final List<String> NAMESPACES = List.of("pid", "network", "ipc", "uts", "mount");
  static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
      "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/sys/firmware", "/proc/scsi");
  static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OciSpec() {}

  public static ObjectNode build(BundleSpec spec) {
    ObjectNode config = MAPPER.createObjectNode();
    config.put("ociVersion", OCI_VERSION);
    config.set("process", process(spec));
    config.putObject("root").put("path", spec.rootfs().toString()).put("readonly", spec.readonly());
    if (spec.hostname() != null) {
      config.put("hostname", spec.hostname());
    }
    config.set("mounts", mounts());
    config.set("linux", linux());
    return config;
  }

  /** The caller's environment, plus the conventional PATH that images normally carry. */
  static List<String> environment(List<String> env) {
    List<String> all = new ArrayList<>(env);
    if (env.stream().noneMatch(e -> e.startsWith("PATH="))) {
      all.add(0, DEFAULT_PATH);
    }
    return all;
  }

  private static ObjectNode process(BundleSpec spec) {
    ObjectNode process = MAPPER.createObjectNode();
    // conmon holds pipes for stdio; a terminal would need its console socket
    process.put("terminal", false);
    process.putObject("user").put("uid", 0).put("gid", 0);
    process.set("args", strings(spec.args()));
    process.set("env", strings(environment(spec.env())));
    process.put("cwd", spec.cwd());
    ObjectNode capabilities = process.putObject("capabilities");
    for (String set : List.of("bounding", "effective", "permitted", "ambient")) {
      capabilities.set(set, strings(CAPABILITIES));
    }
    process.putArray("rlimits").addObject()
        .put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
    process.put("noNewPrivileges", true);
    return process;
  }

  private static ArrayNode mounts() {
    ArrayNode mounts = MAPPER.createArrayNode();
    mount(mounts, "/proc", "proc", "proc");
    mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(mounts, "/dev/pts", "devpts", "devpts",
        "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", "ro");
    mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", "ro");
    return mounts;
  }

  private static void mount(ArrayNode mounts, String destination, String type, String source,
      String... options) {
    ObjectNode mount = mounts.addObject().put("destination", destination).put("type", type)
        .put("source", source);
    if (options.length > 0) {
      mount.set("options", strings(List.of(options)));
    }
  }

  /** The network namespace is new and empty (loopback only) until networking arrives. */
  private static ObjectNode linux() {
    ObjectNode linux = MAPPER.createObjectNode();
    linux.putObject("resources").putArray("devices").addObject()
        .put("allow", false).put("access", "rwm");
    ArrayNode namespaces = linux.putArray("namespaces");
    NAMESPACES.forEach(type -> namespaces.addObject().put("type", type));
    linux.set("maskedPaths", strings(MASKED_PATHS));
    linux.set("readonlyPaths", strings(READONLY_PATHS));
    return linux;
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode array = MAPPER.createArrayNode();
    values.forEach(array::add);
    return array;
  }
}
