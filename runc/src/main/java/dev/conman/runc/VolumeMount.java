package dev.conman.runc;

/**
 * A mount a user asked for, as journaled with the container's spec: a host directory or file bound
 * into the container ({@code BIND}, {@code source} its real path), a named volume ({@code VOLUME},
 * {@code source} its name: a directory the daemon keeps, bound like a host directory), or a new
 * empty in-memory file system ({@code TMPFS}, no source) for each run. Checked by the daemon's
 * validator before it gets here: absolute paths, sources outside conman's directories.
 */
public record VolumeMount(Kind kind, String source, String destination, boolean readOnly) {

  public enum Kind { BIND, VOLUME, TMPFS }
}
