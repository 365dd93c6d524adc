package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import dev.conman.network.NetworkMode;
import dev.conman.network.PortMapping;
import java.util.List;

/**
 * How a container is networked, as asked at create and journaled in its spec.
 *
 * @param network  as requested until validated, then one of "none", "host" or the name of the
 *                 daemon's bridge network; null (a journal from before networking) reads as "none",
 *                 which is what those containers had: a namespace of their own with only loopback
 * @param ports    published host ports; only on the bridge network
 * @param hostname the container's host name; null or empty: the first 12 characters of its id
 */
public record NetworkSpec(String network, List<PortMapping> ports, String hostname) implements CborSerializable {

  public static final String NONE = "none";
  public static final String HOST = "host";

  public NetworkSpec {
    network = network == null ? NONE : network;
    ports = ports == null ? List.of() : List.copyOf(ports);
    hostname = hostname == null || hostname.isEmpty() ? null : hostname;
  }

  /** The daemon's default network, no ports, the default host name. */
  public static NetworkSpec byDefault() {
    return new NetworkSpec("", List.of(), null);
  }

  /** What the validated network name means. */
  public NetworkMode mode() {
    return switch (network) {
      case NONE -> NetworkMode.NONE;
      case HOST -> NetworkMode.HOST;
      default -> NetworkMode.BRIDGE;
    };
  }

  /** The host name of container {@code id}: the one asked for, else the start of its id, as with docker. */
  public String hostnameFor(String id) {
    return hostname != null ? hostname : id.substring(0, Math.min(12, id.length()));
  }

  NetworkSpec withNetwork(String resolved) {
    return new NetworkSpec(resolved, ports, hostname);
  }
}
