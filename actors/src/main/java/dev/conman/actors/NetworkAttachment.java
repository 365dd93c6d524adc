package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import dev.conman.network.Attachment;
import dev.conman.network.PortMapping;
import java.util.List;

/**
 * A container's place on the bridge network, as journaled in NetworkAttached: what a client sees in
 * the container's status, and what history shows of its address.
 *
 * @param network      the network's name
 * @param ip           the IPv4 address of the container's eth0
 * @param prefixLength of the address in the network's subnet
 * @param gateway      the bridge's address
 * @param mac          eth0's MAC address
 * @param netnsPath    the bind-mounted namespace the container joined
 * @param ports        the published ports
 */
public record NetworkAttachment(String network, String ip, int prefixLength, String gateway, String mac,
    String netnsPath, List<PortMapping> ports) implements CborSerializable {

  public NetworkAttachment {
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  static NetworkAttachment of(String network, Attachment a) {
    return new NetworkAttachment(network, a.ip(), a.prefixLength(), a.gateway(), a.mac(), a.netnsPath().toString(),
        a.ports());
  }
}
