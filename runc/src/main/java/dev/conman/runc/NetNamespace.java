package dev.conman.runc;

import java.nio.file.Path;

/**
 * Which network namespace a container's process gets: a new, empty one (only loopback, which runc
 * brings up), an existing one joined by path (prepared by the daemon's network before create), or
 * the host's own (no namespace entry in the spec at all).
 *
 * @param path the bind-mounted namespace to join; null for a new one or the host's
 * @param host the host's namespace
 */
public record NetNamespace(Path path, boolean host) {

  public static final NetNamespace NEW = new NetNamespace(null, false);
  public static final NetNamespace HOST = new NetNamespace(null, true);

  public NetNamespace {
    if (path != null && (host || !path.isAbsolute())) {
      throw new IllegalArgumentException("a joined network namespace needs an absolute path, and is not the host's");
    }
  }

  public static NetNamespace join(Path path) {
    return new NetNamespace(path, false);
  }
}
