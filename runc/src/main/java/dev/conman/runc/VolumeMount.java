package dev.conman.runc;

/**
 * A mount a user asked for: a host directory or file bound into the container ({@code bind},
 * {@code source} an absolute host path), or a new in-memory file system ({@code tmpfs}, no source).
 */
public record VolumeMount(Kind kind, String source, String destination, boolean readOnly) {

  public enum Kind { BIND, TMPFS }

  public VolumeMount {
    if (destination == null || !destination.startsWith("/")) {
      throw new IllegalArgumentException("mount destination '" + destination + "' must be an absolute path");
    }
    if (kind == Kind.BIND && (source == null || !source.startsWith("/"))) {
      throw new IllegalArgumentException("bind mount source '" + source + "' must be an absolute path");
    }
  }
}
