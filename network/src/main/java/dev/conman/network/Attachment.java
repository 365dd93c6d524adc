package dev.conman.network;

import java.nio.file.Path;
import java.util.List;

/**
 * A container's place on the bridge network.
 *
 * @param netnsPath    the bind-mounted namespace: the OCI spec's {@code linux.namespaces} entry
 *                     {@code {"type":"network","path":netnsPath}}
 * @param ip           the container's IPv4 address on eth0 (no prefix); null while the
 *                     attachment is incomplete (a crash mid-attach)
 * @param gateway      the bridge's address, the container's default route
 * @param mac          eth0's MAC address
 * @param containerId  whose attachment this is
 * @param prefixLength of {@code ip} in the subnet; -1 without address
 * @param ports        the published ports
 * @param complete     false for an attachment left ATTACHING or DETACH_FAILED by a crash or an
 *                     error: the daemon should detach it
 */
public record Attachment(Path netnsPath, String ip, String gateway, String mac, String containerId,
    int prefixLength, List<PortMapping> ports, boolean complete) {

  public Attachment {
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  static Attachment of(AttachmentRecord r) {
    return new Attachment(Path.of(r.netnsPath()), r.ip(), r.gateway(), r.mac(), r.containerId(), r.prefixLength(),
        r.ports(), AttachmentRecord.ATTACHED.equals(r.phase()));
  }
}
