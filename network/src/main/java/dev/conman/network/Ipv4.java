package dev.conman.network;

/** IPv4 addresses as unsigned 32-bit values in a long; -1 for anything that is not one. */
final class Ipv4 {

  private Ipv4() {}

  /** Strict dotted quad: four decimal octets, no leading zeros (they read as octal elsewhere). */
  static long parse(String text) {
    if (text == null) {
      return -1;
    }
    String[] parts = text.split("\\.", -1);
    if (parts.length != 4) {
      return -1;
    }
    long value = 0;
    for (String part : parts) {
      if (part.isEmpty() || part.length() > 3 || !part.chars().allMatch(Character::isDigit)
          || (part.length() > 1 && part.charAt(0) == '0')) {
        return -1;
      }
      int octet = Integer.parseInt(part);
      if (octet > 255) {
        return -1;
      }
      value = (value << 8) | octet;
    }
    return value;
  }

  static String format(long value) {
    return ((value >> 24) & 0xff) + "." + ((value >> 16) & 0xff) + "." + ((value >> 8) & 0xff)
        + "." + (value & 0xff);
  }

  static long mask(int prefix) {
    return prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
  }
}
