package dev.conman.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conman.runc.CommandRunner;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InterfaceAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The daemon's bridge network: one per daemon. Attaching a container creates a named network
 * namespace and runs the CNI chain (loopback, then bridge with host-local IPAM, portmap,
 * firewall) with ADD; detaching runs DEL in reverse order and removes the namespace.
 *
 * <p>Every call blocks (plugins and helper commands run with timeouts). Calls for different
 * containers run in parallel; calls for the same container are serialized.
 *
 * <p>State, all under {@link NetworkConfig#stateDir()}: {@code attachments/ID.json} (see
 * {@link AttachmentRecord}), {@code ipam/NAME/} (host-local's allocations: one file per address,
 * holding the container id), {@code tmp/} (plugin stdin, deleted after each call),
 * {@code NAME.conflist} (the generated configuration, for people).
 */
public final class CniNetwork {

  private static final Logger log = LoggerFactory.getLogger(CniNetwork.class);

  /** The container-side interface. */
  public static final String IFNAME = "eth0";

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_-]{0,127}");

  private final NetworkConfig config;
  private final ObjectNode conflist;
  private final CommandRunner runner;
  private final PluginRunner plugins;
  private final Namespaces namespaces;
  private final AttachmentStore store;
  private final PortProbe probe;
  private final boolean sweepRules;
  private final Object stateLock = new Object();
  private final ReentrantLock[] idLocks = new ReentrantLock[64];

  /**
   * Checks the plugins are installed and that the subnet overlaps no address of the host's
   * interfaces (other than this network's own bridge), creates the state directories.
   */
  public CniNetwork(NetworkConfig config) throws NetworkException {
    this(config, new CommandRunner(), null, config.checkHostPorts() ? PortProbe.HOST : PortProbe.NONE, true);
    checkSubnetIsFree(config);
  }

  /** For tests: fake namespaces, fake port probe; no host interface check. */
  CniNetwork(NetworkConfig config, CommandRunner runner, Namespaces namespaces, PortProbe probe,
      boolean sweepRules) throws NetworkException {
    this.sweepRules = sweepRules;
    this.config = config;
    this.conflist = CniConfigs.conflist(config);
    this.runner = runner;
    this.plugins = new PluginRunner(config.pluginDir(), config.stateDir().resolve("tmp"), runner,
        config.pluginTimeout());
    this.namespaces = namespaces != null ? namespaces
        : new HostNamespaces(config.netnsDir(), config.usesIpNetns(), runner, config.commandTimeout());
    this.store = new AttachmentStore(config.attachmentsDir());
    this.probe = probe;
    for (int i = 0; i < idLocks.length; i++) {
      idLocks[i] = new ReentrantLock();
    }
    for (String type : requiredPlugins()) {
      plugins.binary(type);
    }
    try {
      Files.createDirectories(config.attachmentsDir());
      Files.createDirectories(config.ipamDir());
      Files.createDirectories(config.stateDir().resolve("tmp"));
      Files.writeString(config.stateDir().resolve(config.name() + ".conflist"),
          CniConfigs.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(conflist) + "\n");
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot prepare the CNI state directory "
          + config.stateDir() + ": " + e.getMessage(), e);
    }
  }

  public NetworkConfig config() {
    return config;
  }

  /** The generated CNI network configuration list (a copy). */
  public ObjectNode conflist() {
    return conflist.deepCopy();
  }

  private List<String> requiredPlugins() {
    Set<String> types = new LinkedHashSet<>(CniConfigs.pluginTypes(conflist));
    types.add("host-local");
    types.add("loopback");
    return new ArrayList<>(types);
  }

  /**
   * Creates the container's namespace and runs the chain's ADD. On any failure everything done
   * so far is undone (DEL of the whole chain, namespace removed, record removed) before the
   * exception is thrown; if even that fails the record stays (phase DETACH_FAILED) and
   * {@link #detach} retries.
   *
   * @throws NetworkException INVALID (bad id or ports), ALREADY_ATTACHED, PORT_CONFLICT,
   *                          PLUGIN ({@link CniPluginException}), TIMEOUT, SYSTEM
   */
  public Attachment attach(String containerId, List<PortMapping> ports) throws NetworkException {
    checkId(containerId);
    List<PortMapping> mappings;
    try {
      mappings = PortMapping.checkDistinct(ports == null ? List.of() : ports);
    } catch (IllegalArgumentException e) {
      throw new NetworkException(NetworkException.Kind.INVALID, e.getMessage(), e);
    }
    ReentrantLock lock = lockFor(containerId);
    lock.lock();
    try {
      Progress progress = new Progress(reserve(containerId, mappings));
      try {
        return configure(progress);
      } catch (NetworkException | RuntimeException | Error e) {
        undo(progress, e);
        throw e;
      }
    } finally {
      lock.unlock();
    }
  }

  /**
   * Runs the chain's DEL (reverse order, with the attachment's result as prevResult) and removes
   * the namespace. Idempotent: a missing namespace, an address already released or no
   * attachment at all are fine.
   *
   * @return false when the container had no attachment
   * @throws NetworkException when a step failed: the record stays (phase DETACH_FAILED) and a
   *                          later detach retries; the steps that can succeed have been done
   */
  public boolean detach(String containerId) throws NetworkException {
    checkId(containerId);
    ReentrantLock lock = lockFor(containerId);
    lock.lock();
    try {
      if (!store.exists(containerId)) {
        return false;
      }
      AttachmentRecord record;
      try {
        record = store.read(containerId).orElse(null);
      } catch (NetworkException unreadable) {
        log.warn("{}; detaching with the current configuration", unreadable.getMessage());
        record = fallbackRecord(containerId, true);
      }
      if (record == null) {
        return false;
      }
      List<NetworkException> errors = teardown(record);
      if (errors.isEmpty()) {
        store.delete(containerId);
        log.info("container {} detached from network {} (address {} released)", containerId, config.name(),
            record.ip());
        return true;
      }
      store.write(record.withPhase(AttachmentRecord.DETACH_FAILED));
      throw combined("cannot fully detach container " + containerId + " from network " + config.name(), errors);
    } finally {
      lock.unlock();
    }
  }

  /** Container ids with an attachment record (complete or not), sorted. */
  public List<String> list() throws NetworkException {
    return store.ids();
  }

  public Optional<Attachment> get(String containerId) throws NetworkException {
    checkId(containerId);
    return store.read(containerId).map(Attachment::of);
  }

  /** Every readable attachment, for status and reconciliation. */
  public List<Attachment> attachments() throws NetworkException {
    List<Attachment> all = new ArrayList<>();
    for (AttachmentRecord r : records()) {
      all.add(Attachment.of(r));
    }
    return all;
  }

  /**
   * Releases host-local allocations of this network that no attachment record accounts for
   * (DEL of the chain without namespace), e.g. after the state directory was partly lost.
   * Attachments with a record are the caller's business: {@link #detach} those whose container
   * is gone.
   *
   * @return the container ids whose leftovers were released
   */
  public List<String> reclaimOrphans() throws NetworkException {
    Set<String> owners = new LinkedHashSet<>();
    Path dir = config.ipamDir().resolve(config.name());
    if (Files.isDirectory(dir)) {
      try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
        for (Path f : files) {
          if (Ipv4.parse(f.getFileName().toString()) >= 0) {
            String owner = firstLine(f);
            if (owner != null && ID.matcher(owner).matches()) {
              owners.add(owner);
            }
          }
        }
      } catch (IOException e) {
        throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot list " + dir + ": " + e.getMessage(), e);
      }
    }
    List<String> reclaimed = new ArrayList<>();
    List<NetworkException> errors = new ArrayList<>();
    for (String owner : owners) {
      ReentrantLock lock = lockFor(owner);
      lock.lock();
      try {
        if (store.exists(owner)) {
          continue;
        }
        List<NetworkException> e = teardown(fallbackRecord(owner, false));
        if (e.isEmpty()) {
          reclaimed.add(owner);
          log.info("released the orphaned address allocation of {} on network {}", owner, config.name());
        }
        errors.addAll(e);
      } finally {
        lock.unlock();
      }
    }
    if (!errors.isEmpty()) {
      throw combined("cannot release every orphaned allocation of network " + config.name(), errors);
    }
    return reclaimed;
  }

  /**
   * With nothing attached, removes what the plugins leave on the host: the bridge, the empty
   * IPAM directory, and the shared iptables chains when no container of anybody uses them (see
   * {@link IptablesPruner}). For tests and for a daemon shutting its network down for good;
   * the next attach recreates everything. {@code net.ipv4.ip_forward}, which the bridge
   * plugin turns on, is left as it is.
   *
   * @return false (and nothing done) while attachments remain
   */
  public boolean pruneHost() throws NetworkException {
    synchronized (stateLock) {
      if (!store.ids().isEmpty()) {
        return false;
      }
      if (Files.exists(Path.of("/sys/class/net", config.bridge()))) {
        var r = Host.run(runner, List.of("ip", "link", "delete", config.bridge()), config.commandTimeout(),
            "delete the bridge " + config.bridge());
        if (!r.ok() && Files.exists(Path.of("/sys/class/net", config.bridge()))) {
          throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot delete the bridge " + config.bridge()
              + ": " + r.stderr().strip());
        }
      }
      Path ipam = config.ipamDir().resolve(config.name());
      if (Files.isDirectory(ipam)) {
        try (Stream<Path> files = Files.list(ipam)) {
          List<Path> all = files.toList();
          boolean allocations = all.stream().anyMatch(f -> Ipv4.parse(f.getFileName().toString()) >= 0);
          if (!allocations) {
            for (Path f : all) {
              Files.deleteIfExists(f);
            }
            Files.deleteIfExists(ipam);
          }
        } catch (IOException e) {
          throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot clean " + ipam + ": " + e.getMessage(), e);
        }
      }
      List<String> removed = new IptablesPruner(runner, config.commandTimeout()).prune();
      if (!removed.isEmpty()) {
        log.info("removed unused CNI iptables chains: {}", removed);
      }
      return true;
    }
  }

  // ---------------------------------------------------------------------------------------------

  private static final class Progress {
    AttachmentRecord record;
    boolean netnsCreated;

    Progress(AttachmentRecord record) {
      this.record = record;
    }
  }

  /** Checks conflicts and journals the intent before anything exists on the host. */
  private AttachmentRecord reserve(String containerId, List<PortMapping> mappings) throws NetworkException {
    synchronized (stateLock) {
      if (store.exists(containerId)) {
        throw new NetworkException(NetworkException.Kind.ALREADY_ATTACHED, "container " + containerId
            + " is already attached to network " + config.name() + " (detach it first)");
      }
      List<AttachmentRecord> others = records();
      for (PortMapping port : mappings) {
        for (AttachmentRecord other : others) {
          for (PortMapping taken : other.ports()) {
            if (port.conflictsWith(taken)) {
              throw new NetworkException(NetworkException.Kind.PORT_CONFLICT, "cannot publish " + port.display()
                  + ": host port " + port.hostPort() + "/" + port.protocol() + " is already published by container "
                  + other.containerId() + " (" + taken.display() + ")");
            }
          }
        }
        probe.check(port);
      }
      String name = netnsName(containerId, others);
      AttachmentRecord record = new AttachmentRecord(1, containerId, config.name(), name,
          namespaces.dir().resolve(name).toString(), IFNAME, AttachmentRecord.ATTACHING, mappings,
          conflist.deepCopy(), null, null, -1, null, null, Instant.now().toString());
      store.write(record);
      return record;
    }
  }

  private Attachment configure(Progress progress) throws NetworkException {
    AttachmentRecord record = progress.record;
    String id = record.containerId();
    Path netns = namespaces.create(record.netnsName());
    progress.netnsCreated = true;
    plugins.invoke("ADD", CniConfigs.loopbackConfig(), id, netns.toString(), "lo");
    JsonNode conf = record.conflist();
    List<String> types = CniConfigs.pluginTypes(conf);
    JsonNode prev = null;
    CniResult last = null;
    for (int i = 0; i < types.size(); i++) {
      ObjectNode pluginConf = CniConfigs.pluginConfig(conf, i, prev, record.ports());
      String out = plugins.invoke("ADD", pluginConf, id, netns.toString(), IFNAME);
      try {
        last = CniResult.parse(out, IFNAME);
      } catch (IOException e) {
        throw new CniPluginException(NetworkException.Kind.PLUGIN, types.get(i), "ADD", -1, "unreadable result", "",
            "CNI plugin " + types.get(i) + " ADD for container " + id + " returned an unreadable result: "
                + e.getMessage());
      }
      prev = last.raw();
      progress.record = progress.record.withResult(AttachmentRecord.ATTACHING, last);
      store.write(progress.record);
    }
    if (last == null || last.ip() == null) {
      throw new NetworkException(NetworkException.Kind.PLUGIN, "the CNI chain of network " + config.name()
          + " gave container " + id + " no IPv4 address");
    }
    progress.record = progress.record.withResult(AttachmentRecord.ATTACHED, last);
    store.write(progress.record);
    log.info("container {} attached to network {}: {} in {}", id, config.name(), last.ip(), netns);
    return Attachment.of(progress.record);
  }

  /** After a failed attach: DEL everything, remove the namespace and the record; failures are suppressed onto the cause. */
  private void undo(Progress progress, Throwable cause) {
    boolean interrupted = Thread.interrupted(); // the cleanup's own commands must not see the interrupt
    try {
      List<NetworkException> errors = progress.netnsCreated ? teardown(progress.record) : List.of();
      errors.forEach(cause::addSuppressed);
      try {
        if (errors.isEmpty()) {
          store.delete(progress.record.containerId());
        } else {
          store.write(progress.record.withPhase(AttachmentRecord.DETACH_FAILED));
          log.warn("attach of {} failed and could not be fully undone; detach will retry", progress.record.containerId());
        }
      } catch (NetworkException e) {
        cause.addSuppressed(e);
      }
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** DEL of the chain in reverse, loopback, namespace removal: every step tried, the failures returned. */
  private List<NetworkException> teardown(AttachmentRecord record) {
    List<NetworkException> errors = new ArrayList<>();
    String id = record.containerId();
    Path netns = record.netnsPath() == null || record.netnsPath().isEmpty() ? null : Path.of(record.netnsPath());
    String nsArg = netns != null && namespaces.exists(netns) ? netns.toString() : "";
    JsonNode conf = record.conflist() != null ? record.conflist() : conflist;
    JsonNode prev = record.result() != null ? record.result() : resultFromIpam(record, conf);
    List<String> types = CniConfigs.pluginTypes(conf);
    String ifName = record.ifName() == null ? IFNAME : record.ifName();
    for (int i = types.size() - 1; i >= 0; i--) {
      try {
        plugins.invoke("DEL", CniConfigs.pluginConfig(conf, i, prev, record.ports()), id, nsArg, ifName);
      } catch (NetworkException e) {
        errors.add(e);
      }
    }
    if (!nsArg.isEmpty()) {
      try {
        plugins.invoke("DEL", CniConfigs.loopbackConfig(), id, nsArg, "lo");
      } catch (NetworkException e) {
        errors.add(e);
      }
    }
    if (nsArg.isEmpty() || !errors.isEmpty()) {
      sweepIptables(conf.path("name").asText(config.name()), id, errors);
    }
    if (netns != null) {
      try {
        namespaces.delete(netns);
      } catch (NetworkException e) {
        errors.add(e);
      }
    }
    return errors;
  }

  /** Only with the real plugins: the fake ones of the unit tests make no rules. */
  private void sweepIptables(String network, String id, List<NetworkException> errors) {
    if (!sweepRules) {
      return;
    }
    try {
      List<String> removed = new IptablesPruner(runner, config.commandTimeout()).removeContainerRules(network, id);
      if (!removed.isEmpty()) {
        log.info("removed iptables rules the plugins left for {}: {}", id, removed);
      }
    } catch (NetworkException e) {
      errors.add(e);
    }
  }

  /**
   * A prevResult for DEL when a crash came between ADD and the record's update: the address
   * from host-local's files. The firewall plugin removes its rules only for the addresses of
   * prevResult.
   */
  private JsonNode resultFromIpam(AttachmentRecord record, JsonNode conf) {
    String network = conf.path("name").asText(config.name());
    Path dir = config.ipamDir().resolve(network);
    if (!Files.isDirectory(dir)) {
      return null;
    }
    int prefix = config.subnet().prefix();
    try {
      prefix = Subnet.parse(conf.path("plugins").path(0).path("ipam").path("ranges").path(0).path(0)
          .path("subnet").asText()).prefix();
    } catch (IllegalArgumentException keepConfigured) {
      // a conflist without the expected shape: use the configured subnet's prefix
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (Ipv4.parse(name) >= 0 && record.containerId().equals(firstLine(f))) {
          ObjectNode result = CniConfigs.MAPPER.createObjectNode();
          result.put("cniVersion", conf.path("cniVersion").asText(CniConfigs.CNI_VERSION));
          ObjectNode itf = result.putArray("interfaces").addObject();
          itf.put("name", record.ifName() == null ? IFNAME : record.ifName());
          itf.put("sandbox", record.netnsPath() == null ? "" : record.netnsPath());
          result.putArray("ips").addObject().put("interface", 0).put("address", name + "/" + prefix);
          return result;
        }
      }
    } catch (IOException e) {
      log.warn("cannot read {}: {}", dir, e.toString());
    }
    return null;
  }

  private static String firstLine(Path file) {
    try {
      String content = Files.readString(file, StandardCharsets.UTF_8);
      return content.lines().findFirst().map(String::strip).orElse(null);
    } catch (IOException e) {
      return null;
    }
  }

  /**
   * For a container without a readable record. With {@code guessNetns} the namespace conman
   * would have named for it is removed too, if no other record claims it.
   */
  private AttachmentRecord fallbackRecord(String containerId, boolean guessNetns) throws NetworkException {
    String netnsPath = "";
    String name = "";
    if (guessNetns) {
      name = "conman-" + containerId.substring(0, Math.min(12, containerId.length()));
      String candidate = name;
      boolean claimed = records().stream().anyMatch(r -> candidate.equals(r.netnsName())
          && !containerId.equals(r.containerId()));
      netnsPath = claimed ? "" : namespaces.dir().resolve(name).toString();
    }
    return new AttachmentRecord(1, containerId, config.name(), name, netnsPath, IFNAME,
        AttachmentRecord.DETACH_FAILED, List.of(), conflist.deepCopy(), null, null, -1, null, null,
        Instant.now().toString());
  }

  private List<AttachmentRecord> records() throws NetworkException {
    List<AttachmentRecord> all = new ArrayList<>();
    for (String id : store.ids()) {
      try {
        store.read(id).ifPresent(all::add);
      } catch (NetworkException e) {
        log.warn(e.getMessage());
      }
    }
    return all;
  }

  /** conman-&lt;first 12 of the id&gt;, or conman-&lt;12 hex of its SHA-256&gt; when that is taken. */
  private String netnsName(String containerId, List<AttachmentRecord> others) throws NetworkException {
    List<String> candidates = List.of(
        "conman-" + containerId.substring(0, Math.min(12, containerId.length())),
        "conman-" + sha256(containerId).substring(0, 12));
    for (String name : candidates) {
      boolean claimed = others.stream().anyMatch(r -> name.equals(r.netnsName()));
      if (!claimed && !Files.exists(namespaces.dir().resolve(name))) {
        return name;
      }
    }
    throw new NetworkException(NetworkException.Kind.SYSTEM, "network namespaces " + candidates + " in "
        + namespaces.dir() + " already exist but belong to no attachment of network " + config.name()
        + " (another daemon's, or leftovers: remove them with ip netns delete)");
  }

  private static String sha256(String s) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private ReentrantLock lockFor(String containerId) {
    return idLocks[Math.floorMod(containerId.hashCode(), idLocks.length)];
  }

  private static void checkId(String id) throws NetworkException {
    if (id == null || !ID.matcher(id).matches()) {
      throw new NetworkException(NetworkException.Kind.INVALID, "invalid container id '" + id
          + "' (letters, digits, '_' and '-' only, at most 128 characters, not starting with '-')");
    }
  }

  /** A single failure as it is (its message names plugin and container), several joined. */
  private static NetworkException combined(String what, List<NetworkException> errors) {
    if (errors.size() == 1) {
      return errors.get(0);
    }
    StringBuilder message = new StringBuilder(what).append(": ");
    for (int i = 0; i < errors.size(); i++) {
      message.append(i == 0 ? "" : "; ").append(errors.get(i).getMessage());
    }
    NetworkException e = new NetworkException(errors.get(0).kind(), message.toString(), errors.get(0));
    errors.stream().skip(1).forEach(e::addSuppressed);
    return e;
  }

  /** Refuses a subnet that overlaps an address of a host interface other than this network's bridge. */
  static void checkSubnetIsFree(NetworkConfig config) throws NetworkException {
    List<NetworkInterface> interfaces;
    try {
      interfaces = Collections.list(NetworkInterface.getNetworkInterfaces());
    } catch (SocketException e) {
      log.warn("cannot list the host's interfaces to check the subnet: {}", e.toString());
      return;
    }
    for (NetworkInterface itf : interfaces) {
      if (itf.getName().equals(config.bridge())) {
        continue;
      }
      for (InterfaceAddress address : itf.getInterfaceAddresses()) {
        if (!(address.getAddress() instanceof Inet4Address)) {
          continue;
        }
        long a = Ipv4.parse(address.getAddress().getHostAddress());
        int prefix = Math.max(0, Math.min(32, address.getNetworkPrefixLength()));
        int p = Math.min(prefix, config.subnet().prefix());
        if ((a & Ipv4.mask(p)) == (Ipv4.parse(config.subnet().network()) & Ipv4.mask(p))) {
          throw new NetworkException(NetworkException.Kind.INVALID, "subnet " + config.subnet() + " of network "
              + config.name() + " overlaps " + address.getAddress().getHostAddress() + "/" + prefix + " on "
              + itf.getName() + ": configure another subnet");
        }
      }
    }
  }
}
