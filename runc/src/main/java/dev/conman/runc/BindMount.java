package dev.conman.runc;

import java.nio.file.Path;

/**
 * A file or directory of the host's mounted into the container, e.g. the daemon's generated
 * {@code /etc/resolv.conf}.
 *
 * @param source      absolute host path
 * @param destination absolute path inside the container
 * @param readOnly    mounted read-only
 */
public record BindMount(Path source, String destination, boolean readOnly) {

  public BindMount {
    if (source == null || !source.isAbsolute()) {
      throw new IllegalArgumentException("bind mount source '" + source + "' must be an absolute path");
    }
    if (destination == null || !destination.startsWith("/")) {
      throw new IllegalArgumentException("bind mount destination '" + destination + "' must be an absolute path");
    }
  }
}
