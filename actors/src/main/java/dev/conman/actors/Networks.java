package dev.conman.actors;

import dev.conman.network.NetworkException;
import dev.conman.network.PortMapping;
import java.util.List;

/**
 * The daemon's networks as the containers see them: the names a create may ask for, and the
 * bridge network's attach and detach. Attach and detach block (CNI plugins run): blocking
 * dispatcher only.
 */
public interface Networks {

  /**
   * The canonical name of a requested network: "none", "host", or the bridge network's name (for
   * "bridge", "default" and its own name); empty means the daemon's default.
   *
   * @throws ContainerException INVALID_ARGUMENT for an unknown network, FAILED_PRECONDITION when
   *                            the bridge network is not available on this host
   */
  String resolve(String requested);

  /** Creates the container's namespace and configures it. */
  NetworkAttachment attach(String containerId, List<PortMapping> ports) throws NetworkException;

  /** Removes the container's namespace and releases its address; false when it had none. Idempotent. */
  boolean detach(String containerId) throws NetworkException;

  /** The container's attachment when it is complete (attached, not half-done or half-undone). */
  java.util.Optional<NetworkAttachment> attachment(String containerId) throws NetworkException;

  /** Container ids with an attachment, for the reconciliation after a restart. */
  List<String> attached() throws NetworkException;

  /**
   * Releases what a lost attachment record left behind (addresses allocated to nobody).
   *
   * @return the container ids whose allocations were released
   */
  List<String> reclaimOrphans() throws NetworkException;

  /**
   * A network as `network list` shows it.
   *
   * @param driver    "bridge", "null" or "host"
   * @param subnet    bridge only, else empty (as bridge and gateway)
   * @param available false when the host cannot give it; {@code message} says why
   */
  record Info(String name, String driver, String bridge, String subnet, String gateway, boolean isDefault,
      boolean available, String message) {

    /** Only loopback: always available. */
    static Info none(boolean isDefault) {
      return new Info(NetworkSpec.NONE, "null", "", "", "", isDefault, true, "");
    }

    /** The host's namespace: always available. */
    static Info host(boolean isDefault) {
      return new Info(NetworkSpec.HOST, "host", "", "", "", isDefault, true, "");
    }
  }

  /** none, host and the bridge network (if one is configured). */
  List<Info> describe();

  /** Only none and host: for daemons without the bridge network, and tests. */
  Networks HOST_ONLY = new Networks() {
    @Override
    public String resolve(String requested) {
      String r = requested == null ? "" : requested.trim();
      if (r.isEmpty() || r.equals(NetworkSpec.NONE)) {
        return NetworkSpec.NONE;
      }
      if (r.equals(NetworkSpec.HOST)) {
        return NetworkSpec.HOST;
      }
      throw ContainerException.precondition("network '" + r + "' is not available: this daemon runs without"
          + " a bridge network; use --network none or --network host");
    }

    @Override
    public NetworkAttachment attach(String containerId, List<PortMapping> ports) throws NetworkException {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "this daemon has no bridge network");
    }

    @Override
    public boolean detach(String containerId) {
      return false;
    }

    @Override
    public java.util.Optional<NetworkAttachment> attachment(String containerId) {
      return java.util.Optional.empty();
    }

    @Override
    public List<String> attached() {
      return List.of();
    }

    @Override
    public List<String> reclaimOrphans() {
      return List.of();
    }

    @Override
    public List<Info> describe() {
      return List.of(Info.none(true), Info.host(false));
    }
  };
}
