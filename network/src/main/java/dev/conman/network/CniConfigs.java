package dev.conman.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * The CNI network configuration list conman generates for its bridge network, and the per-plugin
 * configurations a runtime hands each plugin of the list (CNI spec, "Section 4: Plugin
 * Delegation and Chaining": the plugin's entry plus the list's {@code name} and
 * {@code cniVersion}, the {@code runtimeConfig} for the capabilities it declares, and the
 * previous plugin's result as {@code prevResult}).
 */
public final class CniConfigs {

  /** Debian 12's plugins (1.1.1) speak CNI 1.0.0. */
  public static final String CNI_VERSION = "1.0.0";

  static final String LOOPBACK_NETWORK = "cni-loopback";

  static final ObjectMapper MAPPER = new ObjectMapper();

  private CniConfigs() {}

  /**
   * bridge (with host-local IPAM, gateway on the bridge, masquerade, hairpin), portmap (the
   * {@code portMappings} capability, SNAT for connections from the host's loopback), firewall.
   */
  public static ObjectNode conflist(NetworkConfig config) {
    ObjectNode list = MAPPER.createObjectNode();
    list.put("cniVersion", CNI_VERSION);
    list.put("name", config.name());
    ArrayNode plugins = list.putArray("plugins");

    ObjectNode bridge = plugins.addObject();
    bridge.put("type", "bridge");
    bridge.put("bridge", config.bridge());
    bridge.put("isGateway", true);
    bridge.put("ipMasq", config.ipMasq());
    bridge.put("hairpinMode", true);
    if (config.mtu() > 0) {
      bridge.put("mtu", config.mtu());
    }
    ObjectNode ipam = bridge.putObject("ipam");
    ipam.put("type", "host-local");
    ipam.put("dataDir", config.ipamDir().toString());
    ObjectNode range = ipam.putArray("ranges").addArray().addObject();
    range.put("subnet", config.subnet().toString());
    range.put("gateway", config.gateway());
    ipam.putArray("routes").addObject().put("dst", "0.0.0.0/0");

    ObjectNode portmap = plugins.addObject();
    portmap.put("type", "portmap");
    portmap.putObject("capabilities").put("portMappings", true);
    portmap.put("snat", true);

    if (config.firewall()) {
      ObjectNode firewall = plugins.addObject();
      firewall.put("type", "firewall");
      firewall.put("backend", "iptables");
    }
    return list;
  }

  /** The plugin types of a list, in order. */
  public static List<String> pluginTypes(JsonNode conflist) {
    java.util.ArrayList<String> types = new java.util.ArrayList<>();
    conflist.path("plugins").forEach(p -> types.add(p.path("type").asText()));
    return types;
  }

  /**
   * What plugin {@code index} of the list gets on stdin.
   *
   * @param prevResult the previous plugin's result for ADD, the attachment's result for DEL;
   *                   null when there is none
   */
  public static ObjectNode pluginConfig(JsonNode conflist, int index, JsonNode prevResult,
      List<PortMapping> ports) {
    JsonNode plugin = conflist.path("plugins").get(index);
    if (plugin == null || !plugin.isObject()) {
      throw new IllegalArgumentException("the network configuration has no plugin " + index);
    }
    ObjectNode config = MAPPER.createObjectNode();
    config.put("cniVersion", conflist.path("cniVersion").asText(CNI_VERSION));
    config.put("name", conflist.path("name").asText());
    plugin.fields().forEachRemaining(e -> config.set(e.getKey(), e.getValue().deepCopy()));
    if (plugin.path("capabilities").path("portMappings").asBoolean(false)) {
      ArrayNode mappings = config.putObject("runtimeConfig").putArray("portMappings");
      for (PortMapping p : ports) {
        mappings.addObject()
            .put("hostPort", p.hostPort())
            .put("containerPort", p.containerPort())
            .put("protocol", p.protocol())
            .put("hostIP", p.hostIp());
      }
    }
    if (prevResult != null && !prevResult.isNull() && !prevResult.isMissingNode()) {
      config.set("prevResult", prevResult.deepCopy());
    }
    return config;
  }

  /** The loopback plugin alone (CNI_IFNAME=lo), as containerd and cri-o run it. */
  public static ObjectNode loopbackConfig() {
    ObjectNode config = MAPPER.createObjectNode();
    config.put("cniVersion", CNI_VERSION);
    config.put("name", LOOPBACK_NETWORK);
    config.put("type", "loopback");
    return config;
  }
}
