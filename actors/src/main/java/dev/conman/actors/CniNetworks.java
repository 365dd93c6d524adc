package dev.conman.actors;

import dev.conman.network.CniNetwork;
import dev.conman.network.NetworkException;
import dev.conman.network.NetworkMode;
import dev.conman.network.PortMapping;
import java.util.List;

/**
 * The daemon's networks with its one CNI bridge network, or without it when the plugins or the
 * host could not provide one at start: then none and host still work and a request for the bridge
 * gets FAILED_PRECONDITION with the reason.
 */
public final class CniNetworks implements Networks {

  private final CniNetwork bridge;
  private final String unavailable;
  private final String defaultNetwork;
  private final String bridgeName;
  private final dev.conman.network.NetworkConfig config;

  /**
   * @param bridge         the bridge network; null when it is not available
   * @param unavailable    why there is no bridge network (when {@code bridge} is null)
   * @param config         the configured bridge network, also when it is unavailable
   * @param defaultNetwork what a create without --network gets: none, host, bridge or the bridge's name
   */
  public CniNetworks(CniNetwork bridge, String unavailable, dev.conman.network.NetworkConfig config,
      String defaultNetwork) {
    this.bridge = bridge;
    this.unavailable = unavailable;
    this.config = config;
    this.bridgeName = config.name();
    this.defaultNetwork = canonical(defaultNetwork);
  }

  @Override
  public String resolve(String requested) {
    String r = requested == null || requested.isBlank() ? defaultNetwork : canonical(requested);
    if (!r.equals(NetworkSpec.NONE) && !r.equals(NetworkSpec.HOST) && bridge == null) {
      throw ContainerException.precondition("the bridge network " + bridgeName + " is not available on this host ("
          + unavailable + "); use --network none or --network host");
    }
    return r;
  }

  private String canonical(String requested) {
    NetworkMode mode;
    try {
      mode = NetworkMode.parse(requested, bridgeName);
    } catch (IllegalArgumentException e) {
      throw ContainerException.invalid(e.getMessage());
    }
    return switch (mode) {
      case NONE -> NetworkSpec.NONE;
      case HOST -> NetworkSpec.HOST;
      case BRIDGE -> bridgeName;
    };
  }

  @Override
  public NetworkAttachment attach(String containerId, List<PortMapping> ports) throws NetworkException {
    return NetworkAttachment.of(bridgeName, bridge().attach(containerId, ports));
  }

  @Override
  public boolean detach(String containerId) throws NetworkException {
    return bridge != null && bridge.detach(containerId);
  }

  @Override
  public java.util.Optional<NetworkAttachment> attachment(String containerId) throws NetworkException {
    return bridge == null ? java.util.Optional.empty()
        : bridge.get(containerId).filter(dev.conman.network.Attachment::complete).map(a -> NetworkAttachment.of(bridgeName, a));
  }

  @Override
  public List<String> attached() throws NetworkException {
    return bridge == null ? List.of() : bridge.list();
  }

  @Override
  public List<String> reclaimOrphans() throws NetworkException {
    return bridge == null ? List.of() : bridge.reclaimOrphans();
  }

  @Override
  public List<Info> describe() {
    return List.of(
        new Info(bridgeName, "bridge", config.bridge(), config.subnet().toString(), config.gateway(),
            defaultNetwork.equals(bridgeName), bridge != null, bridge == null ? unavailable : ""),
        Info.none(defaultNetwork.equals(NetworkSpec.NONE)), Info.host(defaultNetwork.equals(NetworkSpec.HOST)));
  }

  private CniNetwork bridge() throws NetworkException {
    if (bridge == null) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "the bridge network " + bridgeName
          + " is not available: " + unavailable);
    }
    return bridge;
  }
}
