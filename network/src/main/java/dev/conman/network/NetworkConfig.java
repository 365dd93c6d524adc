package dev.conman.network;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.regex.Pattern;

/**
 * The daemon's one bridge network.
 *
 * @param name           the CNI network name (also the host-local IPAM directory name and part
 *                       of the iptables comments); {@code --network NAME} selects it
 * @param bridge         the Linux bridge, at most 15 characters
 * @param subnet         the IPv4 subnet containers get addresses from
 * @param gateway        the bridge's address inside the subnet (default: the first host)
 * @param pluginDir      where the CNI plugin binaries are (CNI_PATH)
 * @param stateDir       conman's CNI state: attachment records and host-local IPAM data
 * @param netnsDir       where named namespaces are bind-mounted; {@code /run/netns} uses
 *                       {@code ip netns} (visible to {@code ip netns list}), any other directory
 *                       {@code unshare --net=FILE}
 * @param ipMasq         masquerade outbound traffic from the subnet (bridge plugin's ipMasq)
 * @param firewall       add the firewall plugin (accept forwarding to/from the containers even
 *                       when the FORWARD policy is DROP)
 * @param mtu            the MTU of bridge and veth; 0 for the plugin's default (1500)
 * @param pluginTimeout  for each plugin invocation
 * @param commandTimeout for each helper command (ip, unshare, umount, iptables)
 * @param checkHostPorts also refuse host ports a host process is bound to
 */
public record NetworkConfig(String name, String bridge, Subnet subnet, String gateway, Path pluginDir,
    Path stateDir, Path netnsDir, boolean ipMasq, boolean firewall, int mtu, Duration pluginTimeout,
    Duration commandTimeout, boolean checkHostPorts) {

  public static final String DEFAULT_NAME = "conman";
  public static final String DEFAULT_BRIDGE = "conman0";
  public static final String DEFAULT_SUBNET = "10.88.0.0/16";
  public static final Path DEFAULT_PLUGIN_DIR = Path.of("/usr/lib/cni");
  public static final Path RUN_NETNS = Path.of("/run/netns");

  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
  private static final Pattern IFNAME = Pattern.compile("[A-Za-z0-9_.-]{1,15}");

  public NetworkConfig {
    Objects.requireNonNull(subnet, "subnet");
    Objects.requireNonNull(pluginDir, "pluginDir");
    Objects.requireNonNull(stateDir, "stateDir");
    Objects.requireNonNull(netnsDir, "netnsDir");
    Objects.requireNonNull(pluginTimeout, "pluginTimeout");
    Objects.requireNonNull(commandTimeout, "commandTimeout");
    if (name == null || !NAME.matcher(name).matches() || name.equals("none") || name.equals("host")) {
      throw new IllegalArgumentException("invalid network name '" + name
          + "': letters, digits, '_', '.', '-', at most 63 characters, not none or host");
    }
    if (bridge == null || !IFNAME.matcher(bridge).matches() || bridge.equals(".") || bridge.equals("..")) {
      throw new IllegalArgumentException("invalid bridge name '" + bridge
          + "': letters, digits, '_', '.', '-', at most 15 characters");
    }
    gateway = gateway == null || gateway.isBlank() ? subnet.firstHost() : gateway.trim();
    if (!subnet.isHostAddress(gateway)) {
      throw new IllegalArgumentException("gateway " + gateway + " is not a host address of " + subnet);
    }
    if (mtu != 0 && (mtu < 576 || mtu > 65535)) {
      throw new IllegalArgumentException("invalid MTU " + mtu + ": 576..65535, or 0 for the default");
    }
    if (pluginTimeout.isNegative() || pluginTimeout.isZero() || commandTimeout.isNegative()
        || commandTimeout.isZero()) {
      throw new IllegalArgumentException("timeouts must be positive");
    }
    stateDir = stateDir.toAbsolutePath().normalize();
    netnsDir = netnsDir.toAbsolutePath().normalize();
    pluginDir = pluginDir.toAbsolutePath().normalize();
  }

  /** Where the host-local plugin keeps its allocations: one file per address under {@code ipam/NAME/}. */
  public Path ipamDir() {
    return stateDir.resolve("ipam");
  }

  public Path attachmentsDir() {
    return stateDir.resolve("attachments");
  }

  public boolean usesIpNetns() {
    return netnsDir.equals(RUN_NETNS);
  }

  public static Builder builder(Path stateDir) {
    return new Builder(stateDir);
  }

  public Builder toBuilder() {
    Builder b = new Builder(stateDir);
    b.name = name;
    b.bridge = bridge;
    b.subnet = subnet.toString();
    b.gateway = gateway;
    b.pluginDir = pluginDir;
    b.netnsDir = netnsDir;
    b.ipMasq = ipMasq;
    b.firewall = firewall;
    b.mtu = mtu;
    b.pluginTimeout = pluginTimeout;
    b.commandTimeout = commandTimeout;
    b.checkHostPorts = checkHostPorts;
    return b;
  }

  /** Defaults: conman, conman0, 10.88.0.0/16, /usr/lib/cni, /run/netns, masquerade and firewall on. */
  public static final class Builder {
    private final Path stateDir;
    private String name = DEFAULT_NAME;
    private String bridge = DEFAULT_BRIDGE;
    private String subnet = DEFAULT_SUBNET;
    private String gateway;
    private Path pluginDir = DEFAULT_PLUGIN_DIR;
    private Path netnsDir = RUN_NETNS;
    private boolean ipMasq = true;
    private boolean firewall = true;
    private int mtu;
    private Duration pluginTimeout = Duration.ofSeconds(30);
    private Duration commandTimeout = Duration.ofSeconds(10);
    private boolean checkHostPorts = true;

    private Builder(Path stateDir) {
      this.stateDir = stateDir;
    }

    public Builder name(String v) { name = v; return this; }
    public Builder bridge(String v) { bridge = v; return this; }
    /** Also resets the gateway to the subnet's first host unless {@link #gateway} follows. */
    public Builder subnet(String cidr) { subnet = cidr; gateway = null; return this; }
    public Builder gateway(String v) { gateway = v; return this; }
    public Builder pluginDir(Path v) { pluginDir = v; return this; }
    public Builder netnsDir(Path v) { netnsDir = v; return this; }
    public Builder ipMasq(boolean v) { ipMasq = v; return this; }
    public Builder firewall(boolean v) { firewall = v; return this; }
    public Builder mtu(int v) { mtu = v; return this; }
    public Builder pluginTimeout(Duration v) { pluginTimeout = v; return this; }
    public Builder commandTimeout(Duration v) { commandTimeout = v; return this; }
    public Builder checkHostPorts(boolean v) { checkHostPorts = v; return this; }

    public NetworkConfig build() {
      return new NetworkConfig(name, bridge, Subnet.parse(subnet), gateway, pluginDir, stateDir, netnsDir,
          ipMasq, firewall, mtu, pluginTimeout, commandTimeout, checkHostPorts);
    }
  }
}
