package dev.conman.images;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/** A content digest, {@code sha256:<64 lowercase hex>}; the only algorithm this module handles. */
public record Digest(String hex) implements Comparable<Digest> {

  public static final String SHA256 = "sha256";
  private static final Pattern HEX = Pattern.compile("[a-f0-9]{64}");
  private static final Pattern ANY = Pattern.compile("[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+");

  public Digest {
    if (hex == null || !HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException("not a sha256 digest (64 lowercase hex digits): " + hex);
    }
  }

  /**
   * Parses {@code sha256:<hex>}.
   *
   * @throws IllegalArgumentException if malformed or of another algorithm
   */
  public static Digest parse(String s) {
    if (s == null || !ANY.matcher(s).matches()) {
      throw new IllegalArgumentException("invalid digest '" + s + "': expected sha256:<64 hex digits>");
    }
    int colon = s.indexOf(':');
    String algorithm = s.substring(0, colon);
    if (!algorithm.equals(SHA256)) {
      throw new IllegalArgumentException(
          "unsupported digest algorithm '" + algorithm + "' in '" + s + "': only sha256 is supported");
    }
    String hex = s.substring(colon + 1);
    if (!HEX.matcher(hex).matches()) {
      throw new IllegalArgumentException(
          "invalid digest '" + s + "': a sha256 digest has 64 lowercase hex digits");
    }
    return new Digest(hex);
  }

  /** The digest of {@code bytes}. */
  public static Digest of(byte[] bytes) {
    return new Digest(HexFormat.of().formatHex(newSha256().digest(bytes)));
  }

  static Digest of(MessageDigest finished) {
    return new Digest(HexFormat.of().formatHex(finished.digest()));
  }

  static MessageDigest newSha256() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new AssertionError(e);
    }
  }

  /** The first 12 hex digits, as docker shows ids. */
  public String shortHex() {
    return hex.substring(0, 12);
  }

  @Override
  public String toString() {
    return SHA256 + ":" + hex;
  }

  @Override
  public int compareTo(Digest o) {
    return hex.compareTo(o.hex);
  }
}
