package dev.conman.actors;

import java.nio.file.Path;

/**
 * Where a container's files live. {@code <root>/containers/<id>/} holds what must outlive a host
 * reboot: the log, an image's root filesystem, the DNS files. {@code <state>/bundles/<id>/} holds
 * the runtime bundle (config.json, and conmon's fifos and attach socket), which is runtime state
 * like runc's own: made again from the journaled spec when it is gone (see
 * ContainerOperations#restart), and on tmpfs on a standard host, as containerd and cri-o keep theirs
 * under /run. Ids are validated hex strings, so a path built from one never leaves these directories.
 */
public record ContainerLayout(Path containersDir, Path bundlesDir) {

  public Path dir(String id) {
    Ids.requireValid(id);
    return containersDir.resolve(id);
  }

  public Path bundle(String id) {
    Ids.requireValid(id);
    return bundlesDir.resolve(id);
  }

  public Path log(String id) {
    return dir(id).resolve("ctr.log");
  }

  /** {@code <root>/volumes}: the named volumes' directories, beside the containers'. */
  public Path volumesDir() {
    return containersDir.resolveSibling("volumes");
  }

  /** A named volume's directory; the name is checked, so the path never leaves {@link #volumesDir}. */
  public Path volume(String name) {
    ContainerSpecValidator.checkVolumeName(name);
    return volumesDir().resolve(name);
  }
}
