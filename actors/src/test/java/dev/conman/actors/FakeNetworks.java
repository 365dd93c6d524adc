package dev.conman.actors;

import dev.conman.network.NetworkException;
import dev.conman.network.PortMapping;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A bridge network in memory: addresses 10.0.0.2, .3, ...; records attaches and detaches. */
final class FakeNetworks implements Networks {

  final Map<String, NetworkAttachment> attached = new ConcurrentHashMap<>();
  final List<String> detached = java.util.Collections.synchronizedList(new ArrayList<>());
  volatile String failAttach;
  private int next = 2;

  @Override
  public String resolve(String requested) {
    return requested == null || requested.isBlank() || requested.equals("bridge") ? "test" : requested;
  }

  @Override
  public synchronized NetworkAttachment attach(String containerId, List<PortMapping> ports) throws NetworkException {
    if (failAttach != null) {
      throw new NetworkException(NetworkException.Kind.PLUGIN, failAttach);
    }
    NetworkAttachment a = new NetworkAttachment("test", "10.0.0." + next++, 24, "10.0.0.1", "02:00:00:00:00:01",
        "/run/netns/test-" + containerId.substring(0, 12), ports);
    attached.put(containerId, a);
    return a;
  }

  @Override
  public boolean detach(String containerId) {
    if (attached.remove(containerId) == null) {
      return false;
    }
    detached.add(containerId);
    return true;
  }

  @Override
  public java.util.Optional<NetworkAttachment> attachment(String containerId) {
    return java.util.Optional.ofNullable(attached.get(containerId));
  }

  @Override
  public List<String> attached() {
    return List.copyOf(attached.keySet());
  }

  @Override
  public List<Info> describe() {
    return List.of(new Info("test", "bridge", "test0", "10.0.0.0/24", "10.0.0.1", true, true, ""));
  }

  @Override
  public List<String> reclaimOrphans() {
    return List.of();
  }
}
