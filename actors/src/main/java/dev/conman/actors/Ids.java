package dev.conman.actors;

import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** Container ids: 64 random lowercase hex characters, as docker and containerd use. */
public final class Ids {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern VALID = Pattern.compile("[0-9a-f]{64}");

  private Ids() {}

  public static String next() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return HexFormat.of().formatHex(bytes);
  }

  public static boolean isValid(String id) {
    return id != null && VALID.matcher(id).matches();
  }

  static void requireValid(String id) {
    if (!isValid(id)) {
      throw new IllegalArgumentException("not a container id: " + id);
    }
  }
}
