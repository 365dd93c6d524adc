package dev.conman.network;

/**
 * An IPv4 subnet in CIDR notation, e.g. {@code 10.88.0.0/16}.
 *
 * @param network the network address (host bits zero)
 * @param prefix  8..30: room for the gateway and at least one container
 */
public record Subnet(String network, int prefix) {

  public Subnet {
    long address = Ipv4.parse(network);
    if (address < 0) {
      throw new IllegalArgumentException("invalid subnet address '" + network + "'");
    }
    if (prefix < 8 || prefix > 30) {
      throw new IllegalArgumentException("invalid subnet prefix /" + prefix + ": 8..30");
    }
    if ((address & ~Ipv4.mask(prefix) & 0xffffffffL) != 0) {
      throw new IllegalArgumentException("subnet " + network + "/" + prefix + " has host bits set: did you mean "
          + Ipv4.format(address & Ipv4.mask(prefix)) + "/" + prefix + "?");
    }
    int first = (int) (address >> 24);
    if (first == 0 || first == 127 || first >= 224) {
      throw new IllegalArgumentException("subnet " + network + "/" + prefix
          + " is not usable for containers (this-network, loopback, multicast or reserved)");
    }
  }

  /** Parses {@code a.b.c.d/n}. */
  public static Subnet parse(String cidr) {
    if (cidr == null) {
      throw new IllegalArgumentException("missing subnet");
    }
    String s = cidr.trim();
    int slash = s.indexOf('/');
    if (slash < 0) {
      throw new IllegalArgumentException("invalid subnet '" + cidr + "': expected CIDR notation like 10.88.0.0/16");
    }
    String prefix = s.substring(slash + 1);
    if (prefix.isEmpty() || prefix.length() > 2 || !prefix.chars().allMatch(Character::isDigit)) {
      throw new IllegalArgumentException("invalid subnet '" + cidr + "': bad prefix length");
    }
    try {
      return new Subnet(s.substring(0, slash), Integer.parseInt(prefix));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid subnet '" + cidr + "': " + e.getMessage(), e);
    }
  }

  public boolean contains(String address) {
    long a = Ipv4.parse(address);
    return a >= 0 && (a & Ipv4.mask(prefix)) == Ipv4.parse(network);
  }

  /** The first host address, conventionally the gateway (the bridge's address). */
  public String firstHost() {
    return Ipv4.format(Ipv4.parse(network) + 1);
  }

  public String broadcast() {
    return Ipv4.format(Ipv4.parse(network) | (~Ipv4.mask(prefix) & 0xffffffffL));
  }

  /** Whether the two share any address. */
  public boolean overlaps(Subnet other) {
    int p = Math.min(prefix, other.prefix);
    return (Ipv4.parse(network) & Ipv4.mask(p)) == (Ipv4.parse(other.network) & Ipv4.mask(p));
  }

  /** A usable host address of this subnet: inside, neither network nor broadcast address. */
  public boolean isHostAddress(String address) {
    return contains(address) && !address.equals(network) && !address.equals(broadcast());
  }

  @Override
  public String toString() {
    return network + "/" + prefix;
  }
}
