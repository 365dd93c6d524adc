package dev.conman.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds an OCI runtime spec (config.json) from a {@link BundleSpec}, with the defaults of
 * {@code runc spec} (runc 1.1.5) for everything the request does not say: the same
 * namespaces, mounts and masked paths a plain runc container gets; capabilities are docker's
 * (see {@link Security}), with empty inheritable and ambient sets.
 *
 * <p>The container's cgroup is {@code /conman/ID} in every hierarchy ({@code linux.cgroupsPath},
 * absolute, cgroupfs driver): {@code /sys/fs/cgroup/memory/conman/ID}, ... on cgroup v1 (plus
 * {@code /sys/fs/cgroup/unified/conman/ID} on a hybrid host), {@code /sys/fs/cgroup/conman/ID}
 * on cgroup v2. Without it runc would nest the cgroup under the daemon's own.
 *
 * <p>Not set on purpose: {@code process.oomScoreAdj}, because lowering it needs
 * CAP_SYS_RESOURCE, which these hosts lack, and runc create then fails obscurely.
 */
public final class OciSpec {

  public static final String OCI_VERSION = "1.0.2-dev";
  public static final String DEFAULT_PATH =
      "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

  /** Parent of every container's cgroup. */
  public static final String CGROUP_PARENT = "/conman";
  static final List<String> NAMESPACES = List.of("pid", "network", "ipc", "uts", "mount");
  static final List<String> MASKED_PATHS = List.of("/proc/acpi", "/proc/asound", "/proc/kcore",
      "/proc/keys", "/proc/latency_stats", "/proc/timer_list", "/proc/timer_stats",
      "/proc/sched_debug", "/sys/firmware", "/proc/scsi");
  static final List<String> READONLY_PATHS =
      List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private OciSpec() {}

  /** {@code linux.cgroupsPath} of a container. */
  public static String cgroupsPath(String id) {
    return CGROUP_PARENT + "/" + Ids.check(id);
  }

  /** The spec of container {@code id}, in cgroup {@link #cgroupsPath(String)}. */
  public static ObjectNode build(String id, BundleSpec spec) {
    return nameCgroup(build(spec), id);
  }

  /**
   * Puts container {@code id}'s cgroup ({@link #cgroupsPath(String)}) into {@code config}, a spec
   * of this daemon's or of anyone's; a {@code linux} that is not an object is replaced.
   *
   * @return {@code config}
   */
  public static ObjectNode nameCgroup(ObjectNode config, String id) {
    JsonNode linux = config.path("linux");
    ObjectNode target = linux instanceof ObjectNode l ? l : config.putObject("linux");
    target.put("cgroupsPath", cgroupsPath(id));
    return config;
  }

  /** The spec without {@code linux.cgroupsPath}. */
  public static ObjectNode build(BundleSpec spec) {
    ObjectNode config = MAPPER.createObjectNode();
    config.put("ociVersion", OCI_VERSION);
    config.set("process", process(spec));
    config.putObject("root").put("path", spec.rootfs().toString()).put("readonly", spec.readonly());
    if (spec.hostname() != null) {
      config.put("hostname", spec.hostname());
    }
    ArrayNode mounts = mounts(spec.security().privileged());
    addChosenMounts(mounts, spec);
    config.set("mounts", mounts);
    config.set("linux", linux(spec.resources(), spec.security().privileged(), spec.netns()));
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

  /** Programs need TERM to drive a terminal; docker sets xterm for -t, unless the user set one. */
  static List<String> withTerm(List<String> env) {
    if (env.stream().anyMatch(e -> e.startsWith("TERM="))) {
      return env;
    }
    List<String> all = new ArrayList<>(env);
    all.add("TERM=xterm");
    return all;
  }

  private static ObjectNode process(BundleSpec spec) {
    ObjectNode process = MAPPER.createObjectNode();
    // with a terminal, conmon receives the pty master through its console socket (conmon -t)
    process.put("terminal", spec.terminal());
    User user = spec.security().user();
    ObjectNode userNode = process.putObject("user").put("uid", user.uid()).put("gid", user.gid());
    if (!user.additionalGids().isEmpty()) {
      ArrayNode gids = userNode.putArray("additionalGids");
      user.additionalGids().forEach(gids::add);
    }
    process.set("args", strings(spec.args()));
    process.set("env", strings(spec.terminal() ? withTerm(environment(spec.env())) : environment(spec.env())));
    process.put("cwd", spec.cwd());
    ObjectNode capabilities = process.putObject("capabilities");
    List<String> caps = spec.security().capabilities();
    for (String set : List.of("bounding", "effective", "permitted")) {
      capabilities.set(set, strings(caps));
    }
    // CVE-2022-24769: never inheritable (nor ambient, which needs inheritable)
    capabilities.putArray("inheritable");
    capabilities.putArray("ambient");
    process.putArray("rlimits").addObject()
        .put("type", "RLIMIT_NOFILE").put("hard", 1024).put("soft", 1024);
    process.put("noNewPrivileges", spec.security().noNewPrivileges());
    return process;
  }

  /**
   * The daemon's files (resolv.conf, hosts, hostname) and the user's mounts, parents before what
   * is mounted inside them (as docker orders them); where the user mounts one of the daemon's
   * files, the user's wins.
   */
  private static void addChosenMounts(ArrayNode mounts, BundleSpec spec) {
    java.util.Set<String> chosen = new java.util.HashSet<>();
    spec.volumes().forEach(v -> chosen.add(v.destination()));
    List<Chosen> all = new ArrayList<>();
    for (BindMount m : spec.mounts()) {
      if (!chosen.contains(m.destination())) {
        all.add(new Chosen(m.destination(), "bind", m.source().toString(),
            List.of("rbind", "nosuid", "nodev", "noexec", m.readOnly() ? "ro" : "rw")));
      }
    }
    for (VolumeMount v : spec.volumes()) {
      String access = v.readOnly() ? "ro" : "rw";
      // a volume's source is its directory by now (ContainerOperations)
      all.add(v.kind() == VolumeMount.Kind.TMPFS
          ? new Chosen(v.destination(), "tmpfs", "tmpfs", List.of("nosuid", "nodev", "mode=1777", access))
          : new Chosen(v.destination(), "bind", v.source(), List.of("rbind", "rprivate", access)));
    }
    all.stream().sorted(java.util.Comparator.comparingInt(c -> depth(c.destination())))
        .forEach(c -> mount(mounts, c.destination(), c.type(), c.source(), c.options().toArray(String[]::new)));
  }

  /** A mount entry of config.json, before its place among the others is known. */
  private record Chosen(String destination, String type, String source, List<String> options) {}

  /** Components of an absolute path: "/" 0, "/data" 1, "/data/x" 2. */
  private static int depth(String path) {
    return (int) java.nio.file.Path.of(path).normalize().getNameCount();
  }

  /** A privileged container gets /sys and its cgroups writable, as with docker. */
  private static ArrayNode mounts(boolean privileged) {
    ArrayNode mounts = MAPPER.createArrayNode();
    mount(mounts, "/proc", "proc", "proc");
    mount(mounts, "/dev", "tmpfs", "tmpfs", "nosuid", "strictatime", "mode=755", "size=65536k");
    mount(mounts, "/dev/pts", "devpts", "devpts",
        "nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
    mount(mounts, "/dev/shm", "tmpfs", "shm", "nosuid", "noexec", "nodev", "mode=1777", "size=65536k");
    mount(mounts, "/dev/mqueue", "mqueue", "mqueue", "nosuid", "noexec", "nodev");
    String access = privileged ? "rw" : "ro";
    mount(mounts, "/sys", "sysfs", "sysfs", "nosuid", "noexec", "nodev", access);
    mount(mounts, "/sys/fs/cgroup", "cgroup", "cgroup", "nosuid", "noexec", "nodev", "relatime", access);
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

  /**
   * The network namespace: new and empty (loopback only), joined by path, or none of its own (the
   * host's). Devices:
   * none beyond runc's defaults (null, zero, full, random, urandom, tty, ptmx), all for a
   * privileged container.
   */
  private static ObjectNode linux(Resources limits, boolean privileged, NetNamespace netns) {
    ObjectNode linux = MAPPER.createObjectNode();
    ObjectNode resources = linux.putObject("resources");
    resources.putArray("devices").addObject().put("allow", privileged).put("access", "rwm");
    resources(resources, limits);
    ArrayNode namespaces = linux.putArray("namespaces");
    for (String type : NAMESPACES) {
      if (!type.equals("network")) {
        namespaces.addObject().put("type", type);
      } else if (netns.path() != null) {
        namespaces.addObject().put("type", type).put("path", netns.path().toString());
      } else if (!netns.host()) {
        namespaces.addObject().put("type", type);
      }
    }
    if (!privileged) {
      linux.set("maskedPaths", strings(MASKED_PATHS));
      linux.set("readonlyPaths", strings(READONLY_PATHS));
    }
    return linux;
  }

  /** OCI's memory.swap is memory plus swap, like docker's --memory-swap; runc converts for v2. */
  private static void resources(ObjectNode resources, Resources limits) {
    if (limits.memoryBytes() != null || limits.memorySwapBytes() != null) {
      ObjectNode memory = resources.putObject("memory");
      putIfSet(memory, "limit", limits.memoryBytes());
      putIfSet(memory, "swap", limits.memorySwapBytes());
    }
    if (limits.cpuQuota() != null || limits.cpuPeriod() != null || limits.cpuShares() != null
        || limits.cpusetCpus() != null) {
      ObjectNode cpu = resources.putObject("cpu");
      putIfSet(cpu, "shares", limits.cpuShares());
      putIfSet(cpu, "quota", limits.cpuQuota());
      if (limits.cpuQuota() != null || limits.cpuPeriod() != null) {
        // a quota alone would be measured against the cgroup's current period, whatever it is
        cpu.put("period", limits.cpuPeriod() == null ? Resources.DEFAULT_CPU_PERIOD : limits.cpuPeriod());
      }
      if (limits.cpusetCpus() != null) {
        cpu.put("cpus", limits.cpusetCpus());
      }
    }
    if (limits.pidsLimit() != null) {
      resources.putObject("pids").put("limit", limits.pidsLimit());
    }
  }

  private static void putIfSet(ObjectNode node, String field, Long value) {
    if (value != null) {
      node.put(field, value);
    }
  }

  private static ArrayNode strings(List<String> values) {
    ArrayNode array = MAPPER.createArrayNode();
    values.forEach(array::add);
    return array;
  }
}
