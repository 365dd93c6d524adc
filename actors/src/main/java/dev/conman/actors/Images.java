package dev.conman.actors;

import java.nio.file.Path;
import java.util.List;

/**
 * What the container lifecycle needs of the image store: an image's defaults when a container is
 * created from it, and its root filesystem. Blocking; called on request threads (resolve) and on
 * the blocking dispatcher (prepare, discard).
 */
public interface Images {

  /** An image's id and the defaults a container takes from it. */
  record Resolved(String imageId, List<String> args, List<String> env, String workdir, String user) {}

  /**
   * The image {@code reference} names, pulled first when the store does not have it.
   *
   * @throws ContainerException INVALID_ARGUMENT for a bad reference
   * @throws dev.conman.images.ImageException when the pull fails (not found, registry unavailable, ...)
   */
  Resolved resolve(String reference);

  /** Makes {@code containerDir/rootfs} from the image (an overlay over its layers) and returns it. */
  Path prepare(String imageId, Path containerDir);

  /** Unmounts and removes what {@link #prepare} made in {@code containerDir}; nothing there is fine. */
  void discard(Path containerDir);

  /** For daemons and tests without an image store: only root filesystem directories. */
  Images NONE = new Images() {
    @Override
    public Resolved resolve(String reference) {
      throw ContainerException.invalid("image " + reference + " is not an absolute directory path, and this daemon"
          + " has no image store");
    }

    @Override
    public Path prepare(String imageId, Path containerDir) {
      throw new IllegalStateException("no image store");
    }

    @Override
    public void discard(Path containerDir) {
    }
  };
}
