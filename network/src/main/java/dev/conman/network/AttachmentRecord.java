package dev.conman.network;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;

/**
 * What {@code <state>/attachments/<containerId>.json} holds. Written before the namespace is
 * created (phase ATTACHING), rewritten after each plugin of the chain succeeded (so that DEL gets
 * the latest result as prevResult even after a crash mid-ADD), and removed only after DEL and
 * namespace removal succeeded. DEL uses the conflist stored here, not the current configuration,
 * so a configuration change between daemon runs still tears down what was set up.
 *
 * @param phase ATTACHING, ATTACHED or DETACH_FAILED
 */
@JsonIgnoreProperties(ignoreUnknown = true)
public record AttachmentRecord(int version, String containerId, String network, String netnsName,
    String netnsPath, String ifName, String phase, List<PortMapping> ports, ObjectNode conflist,
    ObjectNode result, String ip, int prefixLength, String gateway, String mac, String created) {

  public static final String ATTACHING = "ATTACHING";
  public static final String ATTACHED = "ATTACHED";
  public static final String DETACH_FAILED = "DETACH_FAILED";

  public AttachmentRecord {
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  AttachmentRecord withResult(String newPhase, CniResult r) {
    return new AttachmentRecord(version, containerId, network, netnsName, netnsPath, ifName, newPhase, ports,
        conflist, r == null ? result : r.raw(), r == null ? ip : r.ip(), r == null ? prefixLength : r.prefixLength(),
        r == null ? gateway : r.gateway(), r == null ? mac : r.mac(), created);
  }

  AttachmentRecord withPhase(String newPhase) {
    return new AttachmentRecord(version, containerId, network, netnsName, netnsPath, ifName, newPhase, ports,
        conflist, result, ip, prefixLength, gateway, mac, created);
  }
}
