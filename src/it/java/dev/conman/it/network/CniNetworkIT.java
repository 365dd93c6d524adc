package dev.conman.it.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.conman.network.Attachment;
import dev.conman.network.CniNetwork;
import dev.conman.network.CniPluginException;
import dev.conman.network.DnsFiles;
import dev.conman.network.NetworkConfig;
import dev.conman.network.NetworkException;
import dev.conman.network.NetworkMode;
import dev.conman.network.PortMapping;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * The network library against the real CNI plugins (Debian's containernetworking-plugins), as
 * root, without runc: namespaces made by {@link CniNetwork#attach} are inspected and used with
 * {@code ip netns exec}. Traffic only goes between the host and these namespaces, on the test's
 * own bridge and subnet, and to 127.0.0.1. Everything created (namespaces, veths, bridges,
 * iptables rules and chains, IPAM files, ip_forward) is removed or restored after each test,
 * also when it fails, and checked.
 */
@EnabledIf("rootWithPlugins")
class CniNetworkIT {

  private static final String BRIDGE = "cmnetit0";
  private static final String SUBNET = "10.213.7.0/24";
  private static final String GATEWAY = "10.213.7.1";

  private static String ipForwardBefore;
  private static List<String> iptablesBefore;

  private Path state;
  private final List<CniNetwork> networks = new ArrayList<>();
  private final List<Process> listeners = new ArrayList<>();
  private CniNetwork network;

  static boolean rootWithPlugins() {
    return "root".equals(System.getProperty("user.name")) && Files.isExecutable(Path.of("/usr/lib/cni/bridge"))
        && Files.isExecutable(Path.of("/bin/busybox"));
  }

  @BeforeAll
  static void snapshotHost() throws IOException {
    ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
    iptablesBefore = Sh.iptablesLines(BRIDGE, "10.213.");
  }

  @AfterAll
  static void restoreHost() throws IOException {
    Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
  }

  @BeforeEach
  void setUp() throws Exception {
    state = Files.createTempDirectory("conman-netit");
    network = open(NetworkConfig.builder(state.resolve("cni")).bridge(BRIDGE).subnet(SUBNET).name("conman-it")
        .build());
  }

  private CniNetwork open(NetworkConfig config) throws NetworkException {
    CniNetwork n = new CniNetwork(config);
    networks.add(n);
    return n;
  }

  /** Detaches everything, prunes the host, and checks nothing of ours is left. Runs after failures too. */
  @AfterEach
  void cleanUp() throws Exception {
    listeners.forEach(p -> {
      p.descendants().forEach(ProcessHandle::destroyForcibly);
      p.destroyForcibly();
    });
    List<String> problems = new ArrayList<>();
    for (CniNetwork n : networks) {
      for (String id : n.list()) {
        try {
          n.detach(id);
        } catch (NetworkException e) {
          problems.add("detach " + id + ": " + e.getMessage());
        }
      }
      n.pruneHost();
    }
    // last resort for anything a bug left behind, so that the host stays clean
    for (String ns : namespaces()) {
      if (ns.startsWith("conman-netit")) {
        problems.add("namespace left: " + ns);
        Sh.run("ip", "netns", "delete", ns);
      }
    }
    for (String bridge : List.of(BRIDGE, "cmnetit1")) {
      if (Files.exists(Path.of("/sys/class/net", bridge))) {
        problems.add("bridge left: " + bridge);
        Sh.run("ip", "link", "delete", bridge);
      }
    }
    List<String> iptablesAfter = Sh.iptablesLines(BRIDGE, "10.213.");
    if (!Sh.added(iptablesBefore, iptablesAfter).isEmpty()) {
      problems.add("iptables lines left: " + Sh.added(iptablesBefore, iptablesAfter));
    }
    try (Stream<Path> files = Files.walk(state)) {
      List<String> ipam = files.filter(f -> f.toString().contains("/ipam/")).map(Path::toString).toList();
      if (!ipam.isEmpty()) {
        problems.add("IPAM state left: " + ipam);
      }
    }
    try (Stream<Path> files = Files.walk(state)) {
      files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
    }
    Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
    if (!problems.isEmpty()) {
      fail("cleanup found: " + problems);
    }
  }

  @Test
  void twoContainersGetAddressesAndReachEachOtherAndTheGateway() throws Exception {
    Attachment a = network.attach(id(), List.of());
    Attachment b = network.attach(id(), List.of());
    for (Attachment x : List.of(a, b)) {
      String ns = x.netnsPath().getFileName().toString();
      assertEquals(Path.of("/run/netns"), x.netnsPath().getParent());
      assertTrue(ns.startsWith("conman-"), ns);
      assertTrue(namespaces().contains(ns), "ip netns list shows " + ns);
      assertTrue(x.ip().startsWith("10.213.7."), x.ip());
      assertEquals(24, x.prefixLength());
      assertEquals(GATEWAY, x.gateway());
      String eth0 = Sh.inNetns(ns, "ip", "-4", "-o", "addr", "show", "dev", "eth0").out();
      assertTrue(eth0.contains("inet " + x.ip() + "/24"), eth0);
      String link = Sh.inNetns(ns, "ip", "-o", "link", "show", "eth0").out();
      assertTrue(link.contains(x.mac()), link);
      String lo = Sh.inNetns(ns, "ip", "-o", "addr", "show", "dev", "lo").out();
      assertTrue(lo.contains("127.0.0.1/8"), "loopback is up: " + lo);
      String route = Sh.inNetns(ns, "ip", "-4", "route").out();
      assertTrue(route.contains("default via " + GATEWAY), route);
    }
    assertNotEquals(a.ip(), b.ip());
    String nsA = a.netnsPath().getFileName().toString();
    String nsB = b.netnsPath().getFileName().toString();
    ping(nsA, b.ip());
    ping(nsB, a.ip());
    ping(nsA, GATEWAY);
    // the host reaches a container through the bridge
    Sh.ok("/bin/busybox", "ping", "-c1", "-W1", a.ip());

    assertEquals(2, network.list().size());
    for (Attachment x : List.of(a, b)) {
      assertTrue(network.detach(x.containerId()));
      assertFalse(Files.exists(x.netnsPath()));
      assertFalse(namespaces().contains(x.netnsPath().getFileName().toString()));
    }
    assertEquals("", Sh.ok("ip", "-o", "link", "show", "master", BRIDGE).strip(), "no veth left on the bridge");
    assertEquals(List.of(), allocations(network));
  }

  @Test
  void aPublishedPortAnswersOnLoopbackAndTheGateway() throws Exception {
    int hostPort = freePort();
    Attachment web = network.attach(id(), List.of(PortMapping.tcp(hostPort, 8080)));
    String ns = web.netnsPath().getFileName().toString();
    String nat = String.join("\n", Sh.iptablesLines());
    assertTrue(nat.contains("--dport " + hostPort), nat);

    listen(ns, 8080, "hello-from-" + web.ip());
    assertEquals("hello-from-" + web.ip(), connect("127.0.0.1", hostPort));
    listen(ns, 8080, "again");
    assertEquals("again", connect(GATEWAY, hostPort));
    listen(ns, 8080, "direct");
    assertEquals("direct", connect(web.ip(), 8080));

    NetworkException conflict = assertThrows(NetworkException.class,
        () -> network.attach(id(), List.of(PortMapping.parse("127.0.0.1:" + hostPort + ":80"))));
    assertEquals(NetworkException.Kind.PORT_CONFLICT, conflict.kind());
    assertTrue(conflict.getMessage().contains("already published by container " + web.containerId()),
        conflict.getMessage());

    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress("127.0.0.1", 0));
      NetworkException busy = assertThrows(NetworkException.class,
          () -> network.attach(id(), List.of(PortMapping.tcp(taken.getLocalPort(), 80))));
      assertEquals(NetworkException.Kind.PORT_CONFLICT, busy.kind());
      assertTrue(busy.getMessage().contains("in use by a process on the host"), busy.getMessage());
    }
    assertEquals(1, network.list().size(), "refused attaches leave nothing");

    network.detach(web.containerId());
    assertFalse(String.join("\n", Sh.iptablesLines()).contains("--dport " + hostPort), "the DNAT rules are gone");
  }

  @Test
  void detachReleasesTheAddressAndIsIdempotentEvenWhenTheNamespaceVanished() throws Exception {
    String id = id();
    Attachment first = network.attach(id, List.of());
    assertEquals(List.of(first.ip()), allocations(network));
    assertTrue(network.detach(id));
    assertFalse(network.detach(id));
    assertEquals(List.of(), allocations(network));
    Attachment again = network.attach(id, List.of());
    assertTrue(again.ip().startsWith("10.213.7."));

    // the namespace disappears behind the daemon's back (a reboot, a manual ip netns delete)
    Sh.ok("ip", "netns", "delete", again.netnsPath().getFileName().toString());
    assertTrue(network.detach(id));
    assertEquals(List.of(), allocations(network));
    assertEquals(List.of(), network.list());
  }

  @Test
  void aRestartedDaemonDetachesWhatItsPredecessorAttached() throws Exception {
    Attachment kept = network.attach(id(), List.of(PortMapping.tcp(freePort(), 80)));
    Attachment gone = network.attach(id(), List.of());
    CniNetwork restarted = open(network.config());
    assertEquals(List.of(gone.containerId(), kept.containerId()).stream().sorted().toList(), restarted.list());
    assertTrue(restarted.detach(gone.containerId()));
    assertEquals(List.of(kept.ip()), allocations(restarted));
    assertEquals(kept, restarted.get(kept.containerId()).orElseThrow());
    ping(kept.netnsPath().getFileName().toString(), GATEWAY);
    assertEquals(List.of(), restarted.reclaimOrphans());
  }

  @Test
  void cyclesLeakNothing() throws Exception {
    long start = System.nanoTime();
    int cycles = 20;
    for (int i = 0; i < cycles; i++) {
      String id = id();
      Attachment a = network.attach(id, List.of(PortMapping.tcp(freePort(), 80)));
      assertTrue(a.ip().startsWith("10.213.7."));
      network.detach(id);
    }
    long perCycle = (System.nanoTime() - start) / cycles / 1_000_000;
    System.out.println("attach+detach with a published port: " + perCycle + " ms per cycle");
    assertEquals(List.of(), allocations(network));
    assertEquals(List.of(), namespaces().stream().filter(n -> n.startsWith("conman-netit")).toList());
    assertEquals("", Sh.ok("ip", "-o", "link", "show", "master", BRIDGE).strip());
  }

  @Test
  void aRealPluginFailureIsReportedAndUndone() throws Exception {
    // a /30 has room for the gateway and one container: the second attach exhausts host-local
    CniNetwork tiny = open(NetworkConfig.builder(state.resolve("tiny")).name("conman-it-tiny").bridge("cmnetit1")
        .subnet("10.213.8.0/30").build());
    Attachment only = tiny.attach(id(), List.of());
    assertEquals("10.213.8.2", only.ip());
    String second = id();
    CniPluginException e = assertThrows(CniPluginException.class, () -> tiny.attach(second, List.of()));
    assertEquals("bridge", e.plugin());
    assertEquals("ADD", e.command());
    assertTrue(e.getMessage().startsWith("CNI plugin bridge ADD failed for container " + second + ": "), e.getMessage());
    assertTrue(e.getMessage().contains("no IP addresses available"), e.getMessage());
    assertEquals(List.of(only.containerId()), tiny.list());
    assertEquals(1, namespaces().stream().filter(n -> n.startsWith("conman-netit")).count(), "no half-made namespace");
  }

  @Test
  void noneModeIsRuncsDefaultAndDnsFilesAreWritten() throws Exception {
    assertEquals(java.util.Map.of("type", "network"), NetworkMode.NONE.ociNamespace(null).orElseThrow());
    Attachment a = network.attach(id(), List.of());
    assertEquals(java.util.Map.of("type", "network", "path", a.netnsPath().toString()),
        NetworkMode.BRIDGE.ociNamespace(a.netnsPath()).orElseThrow());
    DnsFiles.Written files = DnsFiles.write(state.resolve("etc"), "web", a.ip(), NetworkMode.BRIDGE,
        DnsFiles.Options.defaults());
    assertTrue(Files.readString(files.hosts()).contains(a.ip() + "\tweb\n"));
    for (String line : Files.readString(files.resolvConf()).split("\n")) {
      if (line.startsWith("nameserver ")) {
        assertFalse(line.startsWith("nameserver 127."), line);
      }
    }
  }

  @Test
  void namespacesOutsideRunNetnsAreBindMountedByUnshare() throws Exception {
    Path nsDir = state.resolve("netns");
    CniNetwork own = open(network.config().toBuilder().netnsDir(nsDir).build());
    Attachment a = own.attach(id(), List.of());
    assertEquals(nsDir, a.netnsPath().getParent());
    assertTrue(Files.readString(Path.of("/proc/self/mountinfo")).contains(" " + a.netnsPath() + " "), "bind-mounted");
    String eth0 = Sh.ok("nsenter", "--net=" + a.netnsPath(), "ip", "-4", "-o", "addr", "show", "dev", "eth0");
    assertTrue(eth0.contains("inet " + a.ip() + "/24"), eth0);
    Sh.ok("nsenter", "--net=" + a.netnsPath(), "/bin/busybox", "ping", "-c1", "-W1", GATEWAY);
    own.detach(a.containerId());
    assertFalse(Files.exists(a.netnsPath()));
    assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(a.netnsPath().toString()), "unmounted");
  }

  @Test
  void parallelAttachesOnAFreshBridge() throws Exception {
    int n = 6;
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(id());
    }
    List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> threads = new ArrayList<>();
    for (String id : ids) {
      Thread t = new Thread(() -> {
        try {
          network.attach(id, List.of());
        } catch (Throwable e) {
          failures.add(e);
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join(60_000);
    }
    assertEquals(List.of(), failures);
    List<String> ips = new ArrayList<>();
    for (String id : ids) {
      ips.add(network.get(id).orElseThrow().ip());
    }
    assertEquals(n, ips.stream().distinct().count(), ips.toString());
    assertEquals(ips.stream().sorted().toList(), allocations(network).stream().sorted().toList());
    ping(network.get(ids.get(0)).orElseThrow().netnsPath().getFileName().toString(), ips.get(n - 1));
  }

  // ---------------------------------------------------------------------------------------------

  private static String id() {
    return "netit" + HexFormat.of().formatHex(randomBytes());
  }

  private static byte[] randomBytes() {
    byte[] b = new byte[8];
    ThreadLocalRandom.current().nextBytes(b);
    return b;
  }

  private static void ping(String ns, String ip) {
    Sh.Result r = Sh.inNetns(ns, "/bin/busybox", "ping", "-c1", "-W1", ip);
    assertTrue(r.ok(), ns + " cannot ping " + ip + ": " + r.out());
  }

  private static List<String> namespaces() {
    List<String> names = new ArrayList<>();
    for (String line : Sh.ok("ip", "netns", "list").split("\n")) {
      if (!line.isBlank()) {
        names.add(line.split(" ")[0]);
      }
    }
    return names;
  }

  /** host-local's allocation files (one per address) of the network. */
  private static List<String> allocations(CniNetwork n) throws IOException {
    Path dir = n.config().ipamDir().resolve(n.config().name());
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> files = Files.list(dir)) {
      return files.map(f -> f.getFileName().toString()).filter(f -> f.matches("\\d+\\.\\d+\\.\\d+\\.\\d+")).sorted()
          .toList();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", 0));
      return s.getLocalPort();
    }
  }

  /** busybox nc in the namespace: answers one connection with {@code text}, then exits. */
  private void listen(String ns, int port, String text) throws IOException {
    Process p = new ProcessBuilder("ip", "netns", "exec", ns, "/bin/busybox", "sh", "-c",
        "echo " + text + " | /bin/busybox nc -l -p " + port).redirectErrorStream(true).start();
    listeners.add(p);
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
    while (!Sh.inNetns(ns, "/bin/busybox", "netstat", "-ltn").out().contains(":" + port + " ")) {
      if (System.nanoTime() > deadline) {
        fail("the listener in " + ns + " did not come up");
      }
      sleep(20);
    }
  }

  private static String connect(String host, int port) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 2000);
      s.setSoTimeout(3000);
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
