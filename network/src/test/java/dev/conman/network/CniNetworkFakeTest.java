package dev.conman.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conman.runc.CommandRunner;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The attach/detach protocol against fake plugin scripts and fake namespaces: no root needed. */
class CniNetworkFakeTest {

  @TempDir
  Path tmp;

  Path plugins;
  Path log;
  NetworkConfig config;
  FakeNamespaces namespaces;

  @BeforeEach
  void setUp() throws IOException {
    plugins = Files.createDirectories(tmp.resolve("plugins"));
    log = Files.createDirectories(tmp.resolve("log"));
    Files.writeString(log.resolve("result.json"), CniResultTest.BRIDGE_RESULT);
    for (String name : List.of("bridge", "host-local", "portmap", "firewall", "loopback")) {
      Path script = plugins.resolve(name);
      Files.writeString(script, "#!/bin/sh\n"
          + "D='" + log + "'\n"
          + "n=$(basename \"$0\")\n"
          + "cat > \"$D/in-$n-$CNI_COMMAND-$CNI_CONTAINERID.json\"\n"
          + "echo \"$n $CNI_COMMAND $CNI_CONTAINERID $CNI_IFNAME netns=$CNI_NETNS path=$CNI_PATH\" >> \"$D/calls\"\n"
          + "if [ -e \"$D/hang-$n-$CNI_COMMAND\" ]; then exec sleep 30; fi\n"
          + "if [ -e \"$D/fail-$n-$CNI_COMMAND\" ]; then\n"
          + "  echo '{\"cniVersion\":\"1.0.0\",\"code\":7,\"msg\":\"fake failure\",\"details\":\"the test said so\"}'\n"
          + "  exit 1\n"
          + "fi\n"
          + "if [ \"$CNI_COMMAND\" = ADD ]; then cat \"$D/result.json\"; fi\n");
      Files.setPosixFilePermissions(script, PosixFilePermissions.fromString("rwxr-xr-x"));
    }
    config = NetworkConfig.builder(tmp.resolve("state/cni")).pluginDir(plugins).netnsDir(tmp.resolve("netns"))
        .pluginTimeout(Duration.ofSeconds(5)).build();
    namespaces = new FakeNamespaces(tmp.resolve("netns"));
  }

  CniNetwork network() throws NetworkException {
    return new CniNetwork(config, new CommandRunner(), namespaces, PortProbe.NONE, false);
  }

  List<String> calls() throws IOException {
    Path calls = log.resolve("calls");
    return Files.exists(calls) ? Files.readAllLines(calls).stream().map(l -> l.replaceAll(" netns=.*", "")).toList()
        : List.of();
  }

  void clearCalls() throws IOException {
    Files.deleteIfExists(log.resolve("calls"));
  }

  @Test
  void attachRunsLoopbackThenTheChainAndDetachRunsItBackwards() throws Exception {
    CniNetwork network = network();
    String id = "0123456789abcdef0123";
    Attachment a = network.attach(id, List.of(PortMapping.tcp(8080, 80)));
    assertEquals(tmp.resolve("netns/conman-0123456789ab"), a.netnsPath());
    assertEquals("10.88.0.2", a.ip());
    assertEquals("10.88.0.1", a.gateway());
    assertEquals("12:68:5f:6c:4d:a2", a.mac());
    assertEquals(16, a.prefixLength());
    assertTrue(a.complete());
    assertEquals(List.of(PortMapping.tcp(8080, 80)), a.ports());
    assertTrue(Files.exists(a.netnsPath()));
    assertEquals(List.of("loopback ADD " + id + " lo", "bridge ADD " + id + " eth0", "portmap ADD " + id + " eth0",
        "firewall ADD " + id + " eth0"), calls());
    assertTrue(Files.readAllLines(log.resolve("calls")).get(1).contains("netns=" + a.netnsPath() + " path=" + plugins));

    JsonNode portmapIn = CniConfigs.MAPPER.readTree(log.resolve("in-portmap-ADD-" + id + ".json").toFile());
    assertEquals("conman", portmapIn.get("name").asText());
    assertEquals(8080, portmapIn.at("/runtimeConfig/portMappings/0/hostPort").asInt());
    assertEquals("10.88.0.2/16", portmapIn.at("/prevResult/ips/0/address").asText());
    JsonNode bridgeIn = CniConfigs.MAPPER.readTree(log.resolve("in-bridge-ADD-" + id + ".json").toFile());
    assertFalse(bridgeIn.has("prevResult"));
    assertEquals(config.ipamDir().toString(), bridgeIn.at("/ipam/dataDir").asText());

    assertEquals(List.of(id), network.list());
    assertEquals(a, network.get(id).orElseThrow());
    assertTrue(Files.exists(config.stateDir().resolve("conman.conflist")));
    assertTrue(Files.list(config.stateDir().resolve("tmp")).findAny().isEmpty(), "plugin stdin files are removed");

    clearCalls();
    assertTrue(network.detach(id));
    assertEquals(List.of("firewall DEL " + id + " eth0", "portmap DEL " + id + " eth0", "bridge DEL " + id + " eth0",
        "loopback DEL " + id + " lo"), calls());
    JsonNode firewallDel = CniConfigs.MAPPER.readTree(log.resolve("in-firewall-DEL-" + id + ".json").toFile());
    assertEquals("10.88.0.2/16", firewallDel.at("/prevResult/ips/0/address").asText(), "DEL gets the ADD result");
    JsonNode portmapDel = CniConfigs.MAPPER.readTree(log.resolve("in-portmap-DEL-" + id + ".json").toFile());
    assertEquals(8080, portmapDel.at("/runtimeConfig/portMappings/0/hostPort").asInt());
    assertFalse(Files.exists(a.netnsPath()));
    assertEquals(List.of(), network.list());
    assertFalse(network.detach(id), "a second detach has nothing to do");
  }

  @Test
  void aFailingPluginUndoesEverythingAndNamesItself() throws Exception {
    CniNetwork network = network();
    Files.createFile(log.resolve("fail-portmap-ADD"));
    CniPluginException e = assertThrows(CniPluginException.class, () -> network.attach("c1", List.of()));
    assertEquals("portmap", e.plugin());
    assertEquals("CNI plugin portmap ADD failed for container c1: fake failure (the test said so) [CNI error code 7]",
        e.getMessage());
    assertEquals(List.of("loopback ADD c1 lo", "bridge ADD c1 eth0", "portmap ADD c1 eth0",
        "firewall DEL c1 eth0", "portmap DEL c1 eth0", "bridge DEL c1 eth0", "loopback DEL c1 lo"), calls());
    assertEquals(List.of(), network.list());
    assertEquals(List.of(), namespaces.live());
    // and the same id attaches fine afterwards
    Files.delete(log.resolve("fail-portmap-ADD"));
    assertEquals("10.88.0.2", network.attach("c1", List.of()).ip());
  }

  @Test
  void aHungPluginIsKilledAtItsTimeoutAndUndone() throws Exception {
    config = config.toBuilder().pluginTimeout(Duration.ofMillis(500)).build();
    CniNetwork network = network();
    Files.createFile(log.resolve("hang-bridge-ADD"));
    long start = System.nanoTime();
    NetworkException e = assertThrows(NetworkException.class, () -> network.attach("c1", List.of()));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    assertEquals(NetworkException.Kind.TIMEOUT, e.kind());
    assertTrue(e.getMessage().contains("bridge ADD") && e.getMessage().contains("500 ms"), e.getMessage());
    assertEquals(List.of(), network.list());
    assertEquals(List.of(), namespaces.live());
  }

  @Test
  void hostPortsArePublishedOnce() throws Exception {
    CniNetwork network = network();
    network.attach("web1", List.of(PortMapping.tcp(8080, 80), PortMapping.parse("127.0.0.1:9000:90/udp")));
    NetworkException e = assertThrows(NetworkException.class,
        () -> network.attach("web2", List.of(PortMapping.parse("127.0.0.1:8080:81"))));
    assertEquals(NetworkException.Kind.PORT_CONFLICT, e.kind());
    assertEquals("cannot publish 127.0.0.1:8080->81/tcp: host port 8080/tcp is already published by container web1"
        + " (8080->80/tcp)", e.getMessage());
    assertFalse(network.list().contains("web2"));
    network.attach("web2", List.of(PortMapping.parse("8080:80/udp"), PortMapping.parse("127.0.0.2:9000:90/udp")));
    NetworkException dup = assertThrows(NetworkException.class,
        () -> network.attach("web3", List.of(PortMapping.tcp(7000, 1), PortMapping.tcp(7000, 2))));
    assertEquals(NetworkException.Kind.INVALID, dup.kind());
    network.detach("web1");
    network.attach("web3", List.of(PortMapping.tcp(8080, 80)));
  }

  @Test
  void attachTwiceIsRefusedAndIdsAreChecked() throws Exception {
    CniNetwork network = network();
    network.attach("c1", List.of());
    NetworkException e = assertThrows(NetworkException.class, () -> network.attach("c1", List.of()));
    assertEquals(NetworkException.Kind.ALREADY_ATTACHED, e.kind());
    for (String bad : List.of("", "-x", "a/b", "../x", "a.b", "x".repeat(129))) {
      assertEquals(NetworkException.Kind.INVALID,
          assertThrows(NetworkException.class, () -> network.attach(bad, List.of())).kind());
    }
  }

  @Test
  void namespaceNamesThatCollideFallBackToAHash() throws Exception {
    CniNetwork network = network();
    Attachment a = network.attach("aaaaaaaaaaaa-1", List.of());
    Attachment b = network.attach("aaaaaaaaaaaa-2", List.of());
    assertEquals("conman-aaaaaaaaaaaa", a.netnsPath().getFileName().toString());
    assertTrue(b.netnsPath().getFileName().toString().matches("conman-[0-9a-f]{12}"));
    assertFalse(a.netnsPath().equals(b.netnsPath()));
  }

  @Test
  void afterARestartTheAttachmentsAreListedAndDetachable() throws Exception {
    network().attach("survivor", List.of(PortMapping.tcp(8080, 80)));
    network().attach("gone", List.of());
    CniNetwork restarted = network();
    assertEquals(List.of("gone", "survivor"), restarted.list());
    assertEquals(2, restarted.attachments().size());
    // the port is still taken after the restart
    assertEquals(NetworkException.Kind.PORT_CONFLICT,
        assertThrows(NetworkException.class, () -> restarted.attach("new", List.of(PortMapping.tcp(8080, 80)))).kind());
    assertTrue(restarted.detach("gone"));
    assertEquals(List.of("survivor"), restarted.list());
  }

  @Test
  void aCrashMidAttachLeavesARecordThatDetachCleansUp() throws Exception {
    CniNetwork network = network();
    network.attach("c1", List.of());
    // as if the daemon died after bridge ADD: phase ATTACHING, the namespace exists
    AttachmentStore store = new AttachmentStore(config.attachmentsDir());
    store.write(store.read("c1").orElseThrow().withPhase(AttachmentRecord.ATTACHING));
    CniNetwork restarted = network();
    assertFalse(restarted.get("c1").orElseThrow().complete());
    clearCalls();
    assertTrue(restarted.detach("c1"));
    assertEquals(4, calls().size());
    assertEquals(List.of(), namespaces.live());
  }

  @Test
  void aFailedDelKeepsTheRecordAndAnotherDetachRetries() throws Exception {
    CniNetwork network = network();
    Attachment a = network.attach("c1", List.of());
    Files.createFile(log.resolve("fail-bridge-DEL"));
    clearCalls();
    CniPluginException e = assertThrows(CniPluginException.class, () -> network.detach("c1"));
    assertTrue(e.getMessage().startsWith("CNI plugin bridge DEL failed for container c1: fake failure"), e.getMessage());
    // every other step was still done
    assertEquals(List.of("firewall DEL c1 eth0", "portmap DEL c1 eth0", "bridge DEL c1 eth0", "loopback DEL c1 lo"),
        calls());
    assertFalse(Files.exists(a.netnsPath()));
    assertEquals(List.of("c1"), network.list());
    assertFalse(network.get("c1").orElseThrow().complete());
    Files.delete(log.resolve("fail-bridge-DEL"));
    clearCalls();
    assertTrue(network.detach("c1"));
    assertTrue(calls().get(0).startsWith("firewall DEL"));
    // the namespace is gone: DEL runs with an empty CNI_NETNS, which the plugins accept
    assertTrue(Files.readAllLines(log.resolve("calls")).get(2).contains("netns= "));
    assertEquals(List.of(), network.list());
  }

  @Test
  void orphanedAllocationsAreReleased() throws Exception {
    CniNetwork network = network();
    Path ipam = Files.createDirectories(config.ipamDir().resolve("conman"));
    Files.writeString(ipam.resolve("10.88.0.7"), "lost1\r\neth0");
    Files.writeString(ipam.resolve("last_reserved_ip.0"), "10.88.0.7");
    network.attach("kept", List.of());
    Files.writeString(ipam.resolve("10.88.0.2"), "kept\r\neth0");
    clearCalls();
    assertEquals(List.of("lost1"), network.reclaimOrphans());
    assertEquals(List.of("firewall DEL lost1 eth0", "portmap DEL lost1 eth0", "bridge DEL lost1 eth0"), calls());
    JsonNode firewallDel = CniConfigs.MAPPER.readTree(log.resolve("in-firewall-DEL-lost1.json").toFile());
    assertEquals("10.88.0.7/16", firewallDel.at("/prevResult/ips/0/address").asText(),
        "without a stored result the address comes from host-local's file");
    assertEquals(List.of("kept"), network.list());
  }

  @Test
  void missingPluginsAreReportedUpFront() throws Exception {
    Files.delete(plugins.resolve("portmap"));
    NetworkException e = assertThrows(NetworkException.class, this::network);
    assertTrue(e.getMessage().contains("CNI plugin 'portmap' not found in " + plugins), e.getMessage());
  }

  @Test
  void concurrentAttachesOfDifferentContainers() throws Exception {
    CniNetwork network = network();
    AtomicInteger failures = new AtomicInteger();
    List<Thread> threads = new java.util.ArrayList<>();
    for (int i = 0; i < 8; i++) {
      int n = i;
      Thread t = new Thread(() -> {
        try {
          network.attach("c" + n, List.of(PortMapping.tcp(10000 + n, 80)));
        } catch (NetworkException e) {
          failures.incrementAndGet();
        }
      });
      t.start();
      threads.add(t);
    }
    for (Thread t : threads) {
      t.join();
    }
    assertEquals(0, failures.get());
    assertEquals(8, network.list().size());
    for (String id : network.list()) {
      assertNotNull(network.get(id).orElseThrow().ip());
      network.detach(id);
    }
    assertEquals(List.of(), namespaces.live());
  }

  /** Plain files instead of bind-mounted namespaces. */
  static final class FakeNamespaces implements Namespaces {
    private final Path dir;

    FakeNamespaces(Path dir) {
      this.dir = dir;
    }

    @Override
    public Path create(String name) throws NetworkException {
      try {
        Files.createDirectories(dir);
        return Files.createFile(dir.resolve(name));
      } catch (IOException e) {
        throw new NetworkException(NetworkException.Kind.SYSTEM, "fake netns: " + e);
      }
    }

    @Override
    public boolean exists(Path path) {
      return Files.exists(path);
    }

    @Override
    public void delete(Path path) throws NetworkException {
      try {
        Files.deleteIfExists(path);
      } catch (IOException e) {
        throw new NetworkException(NetworkException.Kind.SYSTEM, "fake netns: " + e);
      }
    }

    @Override
    public Path dir() {
      return dir;
    }

    List<String> live() throws IOException {
      if (!Files.isDirectory(dir)) {
        return List.of();
      }
      try (var s = Files.list(dir)) {
        return s.map(p -> p.getFileName().toString()).toList();
      }
    }
  }
}
