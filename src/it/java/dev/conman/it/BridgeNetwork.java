package dev.conman.it;

import dev.conman.network.CniNetwork;
import dev.conman.network.NetworkConfig;
import dev.conman.network.NetworkException;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A daemon whose containers get the bridge network by default, on a bridge and subnet of the
 * test's own (so that tests and daemons running at once never share addresses). What the daemon
 * left attached is released when the fixture closes, after the daemon and its containers are gone,
 * and the bridge and unused CNI chains are removed from the host.
 *
 * @param bridge at most 15 characters
 * @param subnet an IPv4 subnet no interface of the host uses
 */
public record BridgeNetwork(String bridge, String subnet) {

  /** The configured name of the daemon's bridge network (conf/application.conf). */
  public static final String NAME = "conman";

  public ConmanDaemon start() throws IOException {
    return ConmanDaemon.start(List.of("-Dconman.network.bridge=" + bridge, "-Dconman.network.subnet=" + subnet),
        List.of("--default-network", "bridge"), d -> () -> release(d));
  }

  /** The daemon's network as conmand configures it from the same settings. */
  public NetworkConfig config(ConmanDaemon d) {
    return NetworkConfig.builder(d.state().resolve("cni")).name(NAME).bridge(bridge).subnet(subnet).build();
  }

  /** Container ids with an attachment record in the daemon's CNI state. */
  public List<String> attached(ConmanDaemon d) throws NetworkException {
    return new CniNetwork(config(d)).list();
  }

  private void release(ConmanDaemon d) throws NetworkException {
    CniNetwork network = new CniNetwork(config(d));
    List<String> failed = new ArrayList<>();
    for (String id : network.list()) {
      try {
        network.detach(id);
      } catch (NetworkException e) {
        failed.add(id + ": " + e.getMessage());
      }
    }
    network.pruneHost();
    if (!failed.isEmpty()) {
      throw new IllegalStateException("cannot release the attachments of " + failed);
    }
  }
}
