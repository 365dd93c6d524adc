package dev.conman.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;

/**
 * The part of a CNI ADD result conman uses: the container's IPv4 address on its interface, the
 * gateway and the interface's MAC. Understands CNI 0.3.0 to 1.0.0 results ({@code interfaces}
 * and {@code ips}) and 0.2.0's {@code ip4}.
 *
 * @param raw          the whole result, kept as prevResult for DEL
 * @param ip           the address without prefix length; null when the result has none
 * @param prefixLength of that address; -1 without address
 * @param gateway      may be null
 * @param mac          of the container-side interface; may be null
 */
public record CniResult(ObjectNode raw, String ip, int prefixLength, String gateway, String mac) {

  public static CniResult parse(String json, String ifName) throws IOException {
    JsonNode node = CniConfigs.MAPPER.readTree(json == null ? "" : json);
    if (node == null || !node.isObject()) {
      throw new IOException("not a JSON object: " + abbreviate(json));
    }
    return of((ObjectNode) node, ifName);
  }

  public static CniResult of(ObjectNode result, String ifName) {
    JsonNode interfaces = result.path("interfaces");
    String ip = null;
    int prefix = -1;
    String gateway = null;
    String mac = null;
    for (JsonNode entry : result.path("ips")) {
      String address = entry.path("address").asText("");
      int slash = address.indexOf('/');
      String bare = slash < 0 ? address : address.substring(0, slash);
      boolean v4 = Ipv4.parse(bare) >= 0;
      if (!v4) {
        continue;
      }
      JsonNode itf = entry.has("interface") ? interfaces.path(entry.path("interface").asInt(-1)) : null;
      if (itf != null && !itf.isMissingNode() && itf.path("sandbox").asText("").isEmpty()) {
        continue; // an address on a host-side interface
      }
      ip = bare;
      prefix = slash < 0 ? 32 : Integer.parseInt(address.substring(slash + 1));
      gateway = entry.hasNonNull("gateway") ? entry.get("gateway").asText() : null;
      if (itf != null && !itf.isMissingNode()) {
        mac = textOrNull(itf.path("mac"));
      }
      break;
    }
    if (ip == null && result.path("ip4").isObject()) {
      String address = result.path("ip4").path("ip").asText("");
      int slash = address.indexOf('/');
      if (slash > 0) {
        ip = address.substring(0, slash);
        prefix = Integer.parseInt(address.substring(slash + 1));
      }
      gateway = textOrNull(result.path("ip4").path("gateway"));
    }
    if (mac == null) {
      for (JsonNode itf : interfaces) {
        if (itf.path("name").asText().equals(ifName) && !itf.path("sandbox").asText("").isEmpty()) {
          mac = textOrNull(itf.path("mac"));
        }
      }
    }
    return new CniResult(result, ip, prefix, gateway, mac);
  }

  private static String textOrNull(JsonNode node) {
    return node.isTextual() && !node.asText().isEmpty() ? node.asText() : null;
  }

  static String abbreviate(String text) {
    if (text == null) {
      return "";
    }
    String t = text.strip();
    return t.length() > 500 ? t.substring(0, 500) + "..." : t;
  }
}
