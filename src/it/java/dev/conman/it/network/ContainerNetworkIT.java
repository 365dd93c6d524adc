package dev.conman.it.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.ExecSyncRequest;
import dev.conman.api.v1.ExecSyncResponse;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.ListNetworksRequest;
import dev.conman.api.v1.Network;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.it.BridgeNetwork;
import dev.conman.it.ConmanDaemon;
import dev.conman.it.Rootfs;
import dev.conman.it.Support;
import io.grpc.Status;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;

/**
 * Networking through the daemon, with real runc, conmon and CNI plugins: the test's own bridge
 * ({@value #BRIDGE}) and subnet ({@value #SUBNET}); traffic only between the host and the
 * containers, and to 127.0.0.1. After each test every namespace, veth, address allocation and
 * iptables rule the daemon made is gone (checked), also when the test fails.
 */
@EnabledIf("dev.conman.it.network.CniNetworkIT#rootWithPlugins")
class ContainerNetworkIT {

  private static final String BRIDGE = "cmdnit0";
  private static final String SUBNET = "10.214.9.0/24";
  private static final String PREFIX = "10.214.9.";
  private static final String GATEWAY = "10.214.9.1";
  private static final BridgeNetwork NETWORK = new BridgeNetwork(BRIDGE, SUBNET);

  private ConmanDaemon daemon;
  private Path rootfs;
  private Path work;
  private String ipForwardBefore;
  private List<String> iptablesBefore;

  @BeforeEach
  void start() throws IOException {
    ipForwardBefore = Files.readString(Path.of("/proc/sys/net/ipv4/ip_forward")).strip();
    iptablesBefore = ours(Sh.iptablesLines(BRIDGE, PREFIX));
    work = Files.createTempDirectory("conman-netdit");
    rootfs = Rootfs.build(work.resolve("rootfs"));
    daemon = NETWORK.start();
  }

  /**
   * Deletes through the API and checks that nothing stayed attached; closing the fixture releases
   * whatever did and prunes the bridge; then the host must be as before.
   */
  @AfterEach
  void cleanUp() throws Exception {
    List<String> problems = new ArrayList<>();
    Path cniState = daemon.state().resolve("cni");
    try {
      if (daemon.isAlive()) {
        for (Container c : daemon.runtime().listContainers(ListContainersRequest.getDefaultInstance())
            .getContainersList()) {
          daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).setForce(true).build());
        }
      }
      daemon.stop();
      NETWORK.attached(daemon).forEach(id -> problems.add("attachment left after delete: " + id));
      if (Files.isDirectory(cniState.resolve("ipam"))) {
        try (Stream<Path> files = Files.walk(cniState.resolve("ipam"))) {
          files.filter(f -> f.getFileName().toString().startsWith(PREFIX)).forEach(f -> problems.add("address left: " + f));
        }
      }
    } finally {
      daemon.close();
      if (Files.exists(Path.of("/sys/class/net", BRIDGE))) {
        problems.add("bridge left: " + BRIDGE);
        Sh.run("ip", "link", "delete", BRIDGE);
      }
      List<String> iptablesAfter = ours(Sh.iptablesLines(BRIDGE, PREFIX));
      if (!Sh.added(iptablesBefore, iptablesAfter).isEmpty()) {
        problems.add("iptables lines left: " + Sh.added(iptablesBefore, iptablesAfter));
      }
      Files.writeString(Path.of("/proc/sys/net/ipv4/ip_forward"), ipForwardBefore);
      try (Stream<Path> files = Files.walk(work)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }
    if (!problems.isEmpty()) {
      fail("clean-up found: " + problems);
    }
  }

  // ---------------------------------------------------------------- tests

  @Test
  void noneGivesOnlyLoopbackUpAndHostGivesTheHostsInterfaces() {
    Container none = run(request("lonely", "none"), "/bin/sleep", "300");
    String links = exec(none, "/bin/busybox", "ip", "-o", "link").strip();
    assertEquals(1, links.lines().count(), links);
    assertTrue(links.contains(": lo:") && links.contains("LOOPBACK,UP"), links);
    assertEquals("none", none.getNetwork());
    assertEquals("", none.getIpAddress());

    Container host = run(request("hosted", "host"), "/bin/sleep", "300");
    String hostLinks = exec(host, "/bin/busybox", "ip", "-o", "link");
    assertTrue(hostLinks.lines().count() > 1, "the host's interfaces: " + hostLinks);
    assertEquals("", host.getIpAddress());
  }

  @Test
  void bridgeContainersReachEachOtherAndAPublishedPortAnswersOnLoopback() throws Exception {
    int port = freePort();
    Container web = run(request("web", "").toBuilder().addPublish("127.0.0.1:" + port + ":8080/tcp")
            .setHostname("web1").build(), "/bin/sh", "-c",
        "mkdir -p /tmp/www && echo hello-from-web > /tmp/www/index.html && exec /bin/busybox httpd -f -p 8080 -h /tmp/www");
    Container client = run(request("client", "bridge"), "/bin/sleep", "300");

    assertEquals("conman", web.getNetwork());
    assertTrue(web.getIpAddress().startsWith(PREFIX), web.getIpAddress());
    assertEquals(24, web.getIpPrefixLength());
    assertEquals(GATEWAY, web.getGateway());
    assertEquals(List.of("127.0.0.1:" + port + "->8080/tcp"), web.getPortsList());
    assertEquals("web1", web.getHostname());
    assertNotEquals(web.getIpAddress(), client.getIpAddress());

    String eth0 = exec(web, "/bin/busybox", "ip", "-4", "-o", "addr", "show", "dev", "eth0");
    assertTrue(eth0.contains(web.getIpAddress() + "/24"), eth0);
    assertTrue(exec(web, "/bin/cat", "/etc/hosts").contains(web.getIpAddress() + "\tweb1"));
    assertEquals("web1", exec(web, "/bin/busybox", "hostname").strip());
    assertTrue(exec(web, "/bin/cat", "/etc/resolv.conf").contains("Generated by conman"));

    exec(client, "/bin/busybox", "ping", "-c", "1", "-W", "2", web.getIpAddress());
    awaitHttp("127.0.0.1", port, "hello-from-web");
    assertTrue(exec(client, "/bin/busybox", "wget", "-q", "-O", "-", "http://" + web.getIpAddress() + ":8080/")
        .contains("hello-from-web"));

    Network bridge = daemon.runtime().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList().stream()
        .filter(n -> n.getName().equals("conman")).findFirst().orElseThrow();
    assertEquals(SUBNET, bridge.getSubnet());
    assertEquals(BRIDGE, bridge.getBridge());
    assertEquals(2, bridge.getContainers());
    assertTrue(bridge.getIsDefault() && bridge.getAvailable());

    String netns = "conman-" + web.getId().substring(0, 12);
    assertTrue(Sh.ok("ip", "netns", "list").contains(netns));
    delete(web);
    assertFalse(Sh.ok("ip", "netns", "list").contains(netns), "the namespace is removed at delete");
    List<String> types = history(web).stream().map(Event::getType).toList();
    assertTrue(types.contains("network_attached") && types.contains("network_detached"), types.toString());
  }

  @Test
  void aBridgeContainerStartedAgainGetsAnAddressAgainAndReachesTheGateway() {
    Container c = run(request("again", ""), "/bin/sh", "-c", "exit 3");
    awaitState(c, ContainerState.CONTAINER_STATE_EXITED);
    awaitCondition("the address released", () -> get(c).getIpAddress().isEmpty());
    Container again = daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(c.getId()).build())
        .getContainer();
    assertTrue(again.getIpAddress().startsWith(PREFIX), again.toString());
    awaitState(c, ContainerState.CONTAINER_STATE_EXITED);
    awaitCondition("the address released again", () -> get(c).getIpAddress().isEmpty());
    List<String> types = history(c).stream().map(Event::getType).toList();
    assertEquals(2, types.stream().filter("network_attached"::equals).count(), types::toString);
    assertEquals(2, types.stream().filter("network_detached"::equals).count(), types::toString);

    // a long-running one: started again, its namespace works
    Container sleeper = run(request("sleeper", ""), "/bin/sleep", "300");
    daemon.runtime().stopContainer(dev.conman.api.v1.StopContainerRequest.newBuilder().setRef(sleeper.getId())
        .setTimeoutSeconds(0).build());
    awaitCondition("the sleeper's address released", () -> get(sleeper).getIpAddress().isEmpty());
    Container running = daemon.runtime().restartContainer(dev.conman.api.v1.RestartContainerRequest.newBuilder()
        .setRef(sleeper.getId()).build()).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, running.getState());
    exec(running, "/bin/busybox", "ping", "-c", "1", "-W", "5", GATEWAY);
    assertTrue(exec(running, "/bin/busybox", "ip", "-o", "-4", "addr").contains(running.getIpAddress()));
  }

  @Test
  void badNetworkRequestsAreRefusedClearly() {
    int port = freePort();
    run(request("first", "").toBuilder().addPublish(port + ":80").build(), "/bin/sleep", "300");
    Support.assertCode(Status.Code.FAILED_PRECONDITION, () -> daemon.runtime().createContainer(
        request("second", "").toBuilder().addPublish(port + ":81").addCommand("/bin/true").build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.runtime().createContainer(
        request("third", "none").toBuilder().addPublish("8080:80").addCommand("/bin/true").build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.runtime().createContainer(
        request("fourth", "galaxy").toBuilder().addCommand("/bin/true").build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.runtime().createContainer(
        request("fifth", "").toBuilder().addPublish("80").addCommand("/bin/true").build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.runtime().createContainer(
        request("sixth", "").toBuilder().setHostname("bad_host!").addCommand("/bin/true").build()));
    assertEquals(1, daemon.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersCount());
  }

  @Test
  void fiftyCreateStartDeleteCyclesLeaveNoNamespaceVethOrAddressBehind() throws Exception {
    List<String> namespaces = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      Container c = run(request("cycle" + i, ""), "/bin/sleep", "300");
      assertTrue(c.getIpAddress().startsWith(PREFIX), c.getIpAddress());
      namespaces.add("conman-" + c.getId().substring(0, 12));
      delete(c);
    }
    String left = Sh.ok("ip", "netns", "list");
    assertTrue(namespaces.stream().noneMatch(left::contains), left);
    assertEquals("", Sh.ok("ip", "-o", "link", "show", "master", BRIDGE).strip(), "no veth left on the bridge");
    try (Stream<Path> files = Files.walk(daemon.state().resolve("cni/ipam"))) {
      assertEquals(List.of(), files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith(PREFIX)).toList());
    }
  }

  @Test
  void afterASigkillSurvivorsKeepTheirAddressesAndAContainerDeletedMeanwhileIsReleased() throws Exception {
    Container a = run(request("keep-a", ""), "/bin/sleep", "300");
    Container b = run(request("keep-b", ""), "/bin/sleep", "300");
    Container gone = run(request("gone", ""), "/bin/sleep", "300");
    daemon.kill9();
    Sh.ok("runc", "--root", daemon.runcRoot().toString(), "delete", "--force", gone.getId());
    daemon.restart();

    Container a2 = awaitState(a, ContainerState.CONTAINER_STATE_RUNNING);
    Container b2 = awaitState(b, ContainerState.CONTAINER_STATE_RUNNING);
    assertEquals(a.getIpAddress(), a2.getIpAddress());
    assertEquals(b.getIpAddress(), b2.getIpAddress());
    exec(a2, "/bin/busybox", "ping", "-c", "1", "-W", "2", b2.getIpAddress());

    awaitCondition("the address of the container deleted behind conman's back is released", () ->
        get(gone).getIpAddress().isEmpty()
            && !Files.exists(daemon.state().resolve("cni/ipam/conman").resolve(gone.getIpAddress())));
    assertFalse(Sh.ok("ip", "netns", "list").contains("conman-" + gone.getId().substring(0, 12)));
    List<Event> history = history(gone);
    List<String> types = history.stream().map(Event::getType).toList();
    int reconciled = types.lastIndexOf("reconciled");
    int detached = types.lastIndexOf("network_detached");
    assertTrue(reconciled >= 0 && detached > reconciled, "reconciled, then the address released: " + types);
    assertEquals(gone.getIpAddress(), history.get(detached).getIpAddress());
  }

  // ---------------------------------------------------------------- helpers

  /** Only the rules about this test's bridge and subnet: other CNI users on the host come and go. */
  private static List<String> ours(List<String> lines) {
    return lines.stream().filter(l -> l.contains(BRIDGE) || l.contains(PREFIX)).toList();
  }

  private CreateContainerRequest request(String name, String network) {
    return CreateContainerRequest.newBuilder().setName(name).setImage(rootfs.toString()).setNetwork(network).build();
  }

  private Container run(CreateContainerRequest request, String... command) {
    String id = daemon.runtime().createContainer(request.toBuilder().addAllCommand(List.of(command)).build())
        .getContainer().getId();
    return daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  private Container get(Container c) {
    return daemon.runtime().getContainer(GetContainerRequest.newBuilder().setRef(c.getId()).build()).getContainer();
  }

  private void delete(Container c) {
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).setForce(true).build());
  }

  private String exec(Container c, String... command) {
    ExecSyncResponse r = IoServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(c.getId())
            .addAllCommand(List.of(command))).build());
    String out = r.getStdout().toString(StandardCharsets.UTF_8);
    assertEquals(0, r.getExitCode(), () -> String.join(" ", command) + ": " + out
        + r.getStderr().toString(StandardCharsets.UTF_8));
    return out;
  }

  private List<Event> history(Container c) {
    return EventServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(c.getId()).build()).getEventsList();
  }

  private Container awaitState(Container c, ContainerState state) {
    awaitCondition(c.getName() + " " + state, () -> get(c).getState() == state);
    return get(c);
  }

  private static void awaitCondition(String what, java.util.function.BooleanSupplier condition) {
    Support.await(what, Duration.ofSeconds(20), condition);
  }

  /** httpd starts a moment after the container: retried until it answers. */
  private static void awaitHttp(String host, int port, String expected) {
    awaitCondition("http://" + host + ":" + port + " answers " + expected, () -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress(host, port), 1000);
        s.setSoTimeout(2000);
        OutputStream out = s.getOutputStream();
        out.write(("GET / HTTP/1.0\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = s.getInputStream();
        return new String(in.readAllBytes(), StandardCharsets.UTF_8).contains(expected);
      } catch (IOException e) {
        return false;
      }
    });
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
