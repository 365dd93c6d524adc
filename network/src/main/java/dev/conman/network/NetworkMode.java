package dev.conman.network;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How a container is networked.
 *
 * <ul>
 *   <li>{@link #NONE}: a namespace of its own with only loopback, up. This is what runc gives a
 *       {@code {"type": "network"}} namespace without a path (runc brings {@code lo} up itself).</li>
 *   <li>{@link #BRIDGE}: a namespace created by {@link CniNetwork#attach} and configured by the
 *       CNI chain; the spec joins it by path.</li>
 *   <li>{@link #HOST}: the host's namespace; the spec has no network namespace entry at all.</li>
 * </ul>
 */
public enum NetworkMode {
  NONE, BRIDGE, HOST;

  /**
   * Parses {@code --network}: "none", "host", "bridge", or the configured network's name
   * (which means bridge). Null or empty means the default, bridge.
   */
  public static NetworkMode parse(String value, String bridgeNetworkName) {
    if (value == null || value.isBlank()) {
      return BRIDGE;
    }
    String v = value.trim();
    if (v.equals(bridgeNetworkName)) {
      return BRIDGE;
    }
    switch (v.toLowerCase(Locale.ROOT)) {
      case "none":
        return NONE;
      case "host":
        return HOST;
      case "bridge":
      case "default":
        return BRIDGE;
      default:
        throw new IllegalArgumentException("unknown network '" + value + "': use none, host, bridge"
            + (bridgeNetworkName == null ? "" : " or " + bridgeNetworkName));
    }
  }

  /** The lower-case name used on the command line and in status output. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The entry for the OCI spec's {@code linux.namespaces}: {@code {"type":"network"}} for none,
   * {@code {"type":"network","path":netnsPath}} for bridge, nothing for host (the container
   * stays in the daemon's, i.e. the host's, namespace).
   *
   * @param netnsPath the {@link Attachment#netnsPath()} of the container; required for bridge
   */
  public Optional<Map<String, String>> ociNamespace(Path netnsPath) {
    Map<String, String> entry = new LinkedHashMap<>();
    switch (this) {
      case HOST:
        return Optional.empty();
      case NONE:
        entry.put("type", "network");
        return Optional.of(entry);
      default:
        if (netnsPath == null) {
          throw new IllegalArgumentException("a bridge-networked container needs its netns path");
        }
        entry.put("type", "network");
        entry.put("path", netnsPath.toString());
        return Optional.of(entry);
    }
  }
}
