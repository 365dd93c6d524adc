package dev.conman.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.runc.CommandResult;
import dev.conman.runc.Command;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ValidationTest {

  @Test
  void portMappingsParseDockerSyntax() {
    assertEquals(new PortMapping(8080, 80, "tcp", ""), PortMapping.parse("8080:80"));
    assertEquals(new PortMapping(8080, 80, "tcp", ""), PortMapping.parse("8080:80/TCP"));
    assertEquals(new PortMapping(53, 5353, "udp", ""), PortMapping.parse("53:5353/udp"));
    assertEquals(new PortMapping(1, 65535, "tcp", "127.0.0.1"), PortMapping.parse("127.0.0.1:1:65535"));
    assertEquals(new PortMapping(80, 80, "tcp", ""), PortMapping.parse("0.0.0.0:80:80"));
    assertEquals("127.0.0.1:8080->80/tcp", PortMapping.parse("127.0.0.1:8080:80").display());
    assertEquals("8080->80/udp", PortMapping.parse("8080:80/udp").display());
  }

  @Test
  void portMappingsRefuseBadInput() {
    for (String bad : List.of("", "80", "0:80", "80:0", "65536:80", "80:65536", "-1:80", "a:80", "80:80/sctp",
        "80:80/", "1.2.3:80:80", "256.0.0.1:80:80", "::1:80:80", "1:2:3:4", "80:80/tcp/udp")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> PortMapping.parse(bad), bad);
      assertTrue(e.getMessage().contains("invalid") || e.getMessage().contains("empty"), e.getMessage());
    }
    assertThrows(IllegalArgumentException.class, () -> new PortMapping(0, 1, "tcp", ""));
    assertThrows(IllegalArgumentException.class, () -> new PortMapping(1, 70000, "tcp", ""));
    assertThrows(IllegalArgumentException.class, () -> new PortMapping(1, 1, "icmp", ""));
    assertEquals("tcp", new PortMapping(1, 1, null, null).protocol());
  }

  @Test
  void conflictsNeedSamePortProtocolAndOverlappingAddress() {
    PortMapping all = PortMapping.parse("8080:80");
    assertTrue(all.conflictsWith(PortMapping.parse("8080:81")));
    assertTrue(all.conflictsWith(PortMapping.parse("127.0.0.1:8080:81")));
    assertTrue(PortMapping.parse("127.0.0.1:8080:80").conflictsWith(PortMapping.parse("127.0.0.1:8080:1")));
    assertFalse(PortMapping.parse("127.0.0.1:8080:80").conflictsWith(PortMapping.parse("127.0.0.2:8080:80")));
    assertFalse(all.conflictsWith(PortMapping.parse("8080:80/udp")));
    assertFalse(all.conflictsWith(PortMapping.parse("8081:80")));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> PortMapping.checkDistinct(List.of(all, PortMapping.parse("8080:90"))));
    assertTrue(e.getMessage().contains("8080/tcp"), e.getMessage());
    assertEquals(2, PortMapping.checkDistinct(List.of(all, PortMapping.parse("8080:80/udp"))).size());
  }

  @Test
  void subnets() {
    Subnet s = Subnet.parse("10.88.0.0/16");
    assertEquals("10.88.0.1", s.firstHost());
    assertEquals("10.88.255.255", s.broadcast());
    assertTrue(s.contains("10.88.3.4"));
    assertFalse(s.contains("10.89.0.1"));
    assertTrue(s.isHostAddress("10.88.0.1"));
    assertFalse(s.isHostAddress("10.88.0.0"));
    assertFalse(s.isHostAddress("10.88.255.255"));
    assertTrue(s.overlaps(Subnet.parse("10.0.0.0/8")));
    assertFalse(s.overlaps(Subnet.parse("10.89.0.0/16")));
    IllegalArgumentException hostBits = assertThrows(IllegalArgumentException.class, () -> Subnet.parse("10.88.0.1/16"));
    assertTrue(hostBits.getMessage().contains("10.88.0.0/16"), hostBits.getMessage());
    for (String bad : List.of("10.88.0.0", "10.88.0.0/", "10.88.0.0/33", "10.88.0.0/31", "10.0.0.0/7",
        "10.88.0/16", "10.088.0.0/16", "127.0.0.0/8", "224.0.0.0/8", "0.0.0.0/8", "x/16", "10.88.0.0/1a")) {
      assertThrows(IllegalArgumentException.class, () -> Subnet.parse(bad), bad);
    }
  }

  @Test
  void networkConfig() {
    Path state = Path.of("/tmp/state/cni");
    NetworkConfig c = NetworkConfig.builder(state).build();
    assertEquals("10.88.0.1", c.gateway());
    assertEquals(state.resolve("ipam"), c.ipamDir());
    assertTrue(c.usesIpNetns());
    assertEquals("10.9.0.1", NetworkConfig.builder(state).subnet("10.9.0.0/24").build().gateway());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).bridge("a-very-long-bridge").build());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).bridge("br 0").build());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).gateway("10.89.0.1").build());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).gateway("10.88.0.0").build());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).name("host").build());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).name("a/b").build());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).subnet("10.88.0.0/33").build());
    assertThrows(IllegalArgumentException.class, () -> NetworkConfig.builder(state).mtu(100).build());
    assertFalse(NetworkConfig.builder(state).netnsDir(Path.of("/x/netns")).build().usesIpNetns());
  }

  @Test
  void networkModes() {
    assertEquals(NetworkMode.BRIDGE, NetworkMode.parse(null, "conman"));
    assertEquals(NetworkMode.BRIDGE, NetworkMode.parse("bridge", "conman"));
    assertEquals(NetworkMode.BRIDGE, NetworkMode.parse("conman", "conman"));
    assertEquals(NetworkMode.NONE, NetworkMode.parse("none", "conman"));
    assertEquals(NetworkMode.HOST, NetworkMode.parse("HOST", "conman"));
    assertThrows(IllegalArgumentException.class, () -> NetworkMode.parse("other", "conman"));
    assertEquals(Optional.empty(), NetworkMode.HOST.ociNamespace(null));
    assertEquals(Optional.of(Map.of("type", "network")), NetworkMode.NONE.ociNamespace(null));
    assertEquals(Optional.of(Map.of("type", "network", "path", "/run/netns/conman-abc")),
        NetworkMode.BRIDGE.ociNamespace(Path.of("/run/netns/conman-abc")));
    assertThrows(IllegalArgumentException.class, () -> NetworkMode.BRIDGE.ociNamespace(null));
  }

  @Test
  void pluginErrorsNameThePluginAndCarryMsgAndDetails() {
    Command cmd = Command.of("/bin/sh");
    CniPluginException e = PluginRunner.failure("bridge", "ADD", "c1", new CommandResult(cmd, 1,
        "{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"failed to allocate\",\"details\":\"range full\"}", ""));
    assertEquals("bridge", e.plugin());
    assertEquals(11, e.code());
    assertEquals("failed to allocate", e.pluginMessage());
    assertEquals("range full", e.details());
    assertEquals(NetworkException.Kind.PLUGIN, e.kind());
    assertEquals("CNI plugin bridge ADD failed for container c1: failed to allocate (range full) [CNI error code 11]",
        e.getMessage());

    CniPluginException raw = PluginRunner.failure("portmap", "DEL", "c2", new CommandResult(cmd, 2, "", "panic: oops\n"));
    assertEquals("CNI plugin portmap DEL failed for container c2: panic: oops", raw.getMessage());
    CniPluginException silent = PluginRunner.failure("firewall", "ADD", "c3", new CommandResult(cmd, 3, "", ""));
    assertTrue(silent.getMessage().contains("exit status 3"), silent.getMessage());
  }

  @Test
  void iptablesRulesTokenizeLikeAShell() {
    assertEquals(List.of("-A", "POSTROUTING", "-m", "comment", "--comment", "CNI portfwd requiring masquerade", "-j",
        "CNI-HOSTPORT-MASQ"),
        IptablesPruner.tokens("-A POSTROUTING -m comment --comment \"CNI portfwd requiring masquerade\" -j CNI-HOSTPORT-MASQ"));
    assertEquals(List.of("-A", "X", "--comment", "name: \"n\" id: \"c\"", "-j", "Y"),
        IptablesPruner.tokens("-A X --comment \"name: \\\"n\\\" id: \\\"c\\\"\" -j Y"));
    assertTrue(IptablesPruner.jumpsTo("-A FORWARD -m comment --comment \"CNI firewall plugin rules\" -j CNI-FORWARD",
        "CNI-FORWARD"));
    assertFalse(IptablesPruner.jumpsTo("-A CNI-FORWARD -s 10.0.0.2/32 -j ACCEPT", "CNI-FORWARD"));
  }

  @Test
  void searchPathGetsTheSbinDirectories() {
    assertEquals("/usr/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/sbin:/bin", PluginRunner.searchPath("/usr/bin"));
    assertEquals("/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", PluginRunner.searchPath(null));
  }
}
