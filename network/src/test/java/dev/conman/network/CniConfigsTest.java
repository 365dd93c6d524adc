package dev.conman.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class CniConfigsTest {

  private final NetworkConfig config = NetworkConfig.builder(Path.of("/var/lib/conman/cni")).build();

  @Test
  void conflistHasBridgeWithHostLocalThenPortmapThenFirewall() {
    ObjectNode list = CniConfigs.conflist(config);
    assertEquals("1.0.0", list.get("cniVersion").asText());
    assertEquals("conman", list.get("name").asText());
    assertEquals(List.of("bridge", "portmap", "firewall"), CniConfigs.pluginTypes(list));
    JsonNode bridge = list.get("plugins").get(0);
    assertEquals("conman0", bridge.get("bridge").asText());
    assertTrue(bridge.get("isGateway").asBoolean());
    assertTrue(bridge.get("ipMasq").asBoolean());
    assertTrue(bridge.get("hairpinMode").asBoolean());
    assertFalse(bridge.has("mtu"));
    JsonNode ipam = bridge.get("ipam");
    assertEquals("host-local", ipam.get("type").asText());
    assertEquals("/var/lib/conman/cni/ipam", ipam.get("dataDir").asText());
    assertEquals("10.88.0.0/16", ipam.at("/ranges/0/0/subnet").asText());
    assertEquals("10.88.0.1", ipam.at("/ranges/0/0/gateway").asText());
    assertEquals("0.0.0.0/0", ipam.at("/routes/0/dst").asText());
    JsonNode portmap = list.get("plugins").get(1);
    assertTrue(portmap.at("/capabilities/portMappings").asBoolean());
    assertTrue(portmap.get("snat").asBoolean());
    assertEquals("iptables", list.get("plugins").get(2).get("backend").asText());
  }

  @Test
  void configurableBridgeSubnetGatewayMtuWithoutFirewallOrMasquerade() {
    NetworkConfig custom = NetworkConfig.builder(Path.of("/s")).name("test-net").bridge("cmtest0")
        .subnet("10.199.8.0/24").gateway("10.199.8.254").mtu(1400).firewall(false).ipMasq(false).build();
    ObjectNode list = CniConfigs.conflist(custom);
    assertEquals("test-net", list.get("name").asText());
    assertEquals(List.of("bridge", "portmap"), CniConfigs.pluginTypes(list));
    JsonNode bridge = list.get("plugins").get(0);
    assertEquals("cmtest0", bridge.get("bridge").asText());
    assertEquals(1400, bridge.get("mtu").asInt());
    assertFalse(bridge.get("ipMasq").asBoolean());
    assertEquals("10.199.8.0/24", bridge.at("/ipam/ranges/0/0/subnet").asText());
    assertEquals("10.199.8.254", bridge.at("/ipam/ranges/0/0/gateway").asText());
  }

  @Test
  void pluginConfigCarriesNameVersionPrevResultAndRuntimeConfigOnlyForCapablePlugins() throws Exception {
    ObjectNode list = CniConfigs.conflist(config);
    List<PortMapping> ports = List.of(PortMapping.tcp(8080, 80), PortMapping.parse("127.0.0.1:5353:53/udp"));
    ObjectNode bridge = CniConfigs.pluginConfig(list, 0, null, ports);
    assertEquals("conman", bridge.get("name").asText());
    assertEquals("1.0.0", bridge.get("cniVersion").asText());
    assertEquals("bridge", bridge.get("type").asText());
    assertFalse(bridge.has("runtimeConfig"));
    assertFalse(bridge.has("prevResult"));

    JsonNode prev = CniConfigs.MAPPER.readTree("{\"cniVersion\":\"1.0.0\",\"ips\":[{\"address\":\"10.88.0.2/16\"}]}");
    ObjectNode portmap = CniConfigs.pluginConfig(list, 1, prev, ports);
    assertEquals(prev, portmap.get("prevResult"));
    JsonNode mappings = portmap.at("/runtimeConfig/portMappings");
    assertEquals(2, mappings.size());
    assertEquals(8080, mappings.get(0).get("hostPort").asInt());
    assertEquals(80, mappings.get(0).get("containerPort").asInt());
    assertEquals("tcp", mappings.get(0).get("protocol").asText());
    assertEquals("", mappings.get(0).get("hostIP").asText());
    assertEquals("udp", mappings.get(1).get("protocol").asText());
    assertEquals("127.0.0.1", mappings.get(1).get("hostIP").asText());

    ObjectNode noPorts = CniConfigs.pluginConfig(list, 1, prev, List.of());
    assertEquals(0, noPorts.at("/runtimeConfig/portMappings").size());
    // the list itself is not modified
    assertFalse(list.get("plugins").get(1).has("prevResult"));
  }

  @Test
  void loopbackRunsAsItsOwnNetwork() {
    ObjectNode lo = CniConfigs.loopbackConfig();
    assertEquals("loopback", lo.get("type").asText());
    assertEquals("cni-loopback", lo.get("name").asText());
  }
}
