package dev.conman.network;

import java.nio.file.Path;

/** Named network namespaces: bind mounts of a namespace onto a file, like {@code ip netns}. */
interface Namespaces {

  /** Creates the namespace (only loopback, down) bound at {@code dir/name}; fails if it exists. */
  Path create(String name) throws NetworkException;

  /** Whether {@code path} is a live bind-mounted namespace (or, for fakes, exists). */
  boolean exists(Path path);

  /** Unmounts and removes {@code path}; nothing to do when it is gone. */
  void delete(Path path) throws NetworkException;

  /** The directory the namespaces are bound in. */
  Path dir();
}
