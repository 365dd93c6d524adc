package dev.conman.network;

import java.util.List;
import java.util.Locale;

/**
 * A published port: connections to {@code hostIp:hostPort} on the host go to
 * {@code containerPort} in the container (CNI portmap's {@code portMappings} capability).
 *
 * @param hostPort      1..65535
 * @param containerPort 1..65535
 * @param protocol      "tcp" or "udp" (lower case after construction; null means tcp)
 * @param hostIp        an IPv4 address of the host, or "" for all addresses (null and
 *                      "0.0.0.0" become "")
 */
public record PortMapping(int hostPort, int containerPort, String protocol, String hostIp) {

  public PortMapping {
    checkPort("host port", hostPort);
    checkPort("container port", containerPort);
    protocol = protocol == null || protocol.isBlank() ? "tcp" : protocol.trim().toLowerCase(Locale.ROOT);
    if (!protocol.equals("tcp") && !protocol.equals("udp")) {
      throw new IllegalArgumentException("invalid protocol '" + protocol + "': tcp or udp");
    }
    hostIp = hostIp == null ? "" : hostIp.trim();
    if (hostIp.equals("0.0.0.0")) {
      hostIp = "";
    }
    if (!hostIp.isEmpty() && Ipv4.parse(hostIp) < 0) {
      throw new IllegalArgumentException("invalid host IP '" + hostIp + "': an IPv4 address");
    }
  }

  public static PortMapping tcp(int hostPort, int containerPort) {
    return new PortMapping(hostPort, containerPort, "tcp", "");
  }

  /**
   * Parses docker's {@code -p} syntax: {@code [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]}.
   */
  public static PortMapping parse(String spec) {
    if (spec == null || spec.isBlank()) {
      throw new IllegalArgumentException("empty port mapping");
    }
    String s = spec.trim();
    String protocol = "tcp";
    int slash = s.lastIndexOf('/');
    if (slash >= 0) {
      protocol = s.substring(slash + 1);
      s = s.substring(0, slash);
      if (protocol.isBlank()) {
        throw new IllegalArgumentException("invalid port mapping '" + spec + "': missing protocol after '/'");
      }
    }
    String[] parts = s.split(":", -1);
    String hostIp = "";
    String host;
    String container;
    if (parts.length == 2) {
      host = parts[0];
      container = parts[1];
    } else if (parts.length == 3) {
      hostIp = parts[0];
      host = parts[1];
      container = parts[2];
    } else {
      throw new IllegalArgumentException("invalid port mapping '" + spec
          + "': expected [HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]");
    }
    try {
      return new PortMapping(number(host, spec), number(container, spec), protocol, hostIp);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid port mapping '" + spec + "': " + e.getMessage(), e);
    }
  }

  /** Refuses a list that publishes the same host port twice. */
  public static List<PortMapping> checkDistinct(List<PortMapping> ports) {
    for (int i = 0; i < ports.size(); i++) {
      PortMapping a = ports.get(i);
      for (int j = 0; j < i; j++) {
        if (a.conflictsWith(ports.get(j))) {
          throw new IllegalArgumentException("host port " + a.hostPort() + "/" + a.protocol()
              + " is published twice");
        }
      }
    }
    return List.copyOf(ports);
  }

  /** Whether both would receive the same connections: same port and protocol, overlapping address. */
  public boolean conflictsWith(PortMapping other) {
    return hostPort == other.hostPort && protocol.equals(other.protocol)
        && (hostIp.isEmpty() || other.hostIp.isEmpty() || hostIp.equals(other.hostIp));
  }

  /** Docker's notation, e.g. {@code 127.0.0.1:8080->80/tcp} or {@code 8080->80/tcp}. */
  public String display() {
    return (hostIp.isEmpty() ? "" : hostIp + ":") + hostPort + "->" + containerPort + "/" + protocol;
  }

  private static int number(String text, String spec) {
    try {
      return Integer.parseInt(text.trim());
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("invalid port mapping '" + spec + "': '" + text
          + "' is not a port number");
    }
  }

  private static void checkPort(String what, int port) {
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("invalid " + what + " " + port + ": 1..65535");
    }
  }
}
