package dev.conman.images;

/**
 * An OS and CPU architecture (and optional variant) as in OCI image indexes.
 *
 * @param variant {@code null} or e.g. {@code v8}
 */
public record Platform(String os, String architecture, String variant) {

  public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

  /** Parses {@code os/arch[/variant]}. */
  public static Platform parse(String s) {
    String[] p = s.split("/");
    if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
      throw new IllegalArgumentException("invalid platform '" + s + "': expected os/arch[/variant], e.g. linux/amd64");
    }
    return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
  }

  /** Whether an index entry with these fields runs here; variant only compared when both have one. */
  boolean matches(String os, String arch, String variant) {
    if (!this.os.equals(os) || !this.architecture.equals(arch)) {
      return false;
    }
    return this.variant == null || variant == null || this.variant.equals(variant);
  }

  @Override
  public String toString() {
    return os + "/" + architecture + (variant != null ? "/" + variant : "");
  }
}
