package dev.conman.actors;

import dev.conman.images.Image;
import dev.conman.images.ImageStore;
import dev.conman.images.PullResult;
import java.nio.file.Path;
import java.util.function.Consumer;

/**
 * {@link Images} backed by the image store; pulls a missing image and reports the pull to be
 * journaled. The store's {@link ImageException}s pass through: the API edge maps them to statuses in
 * one place, for pulls and creates alike.
 */
public final class StoreImages implements Images {

  private final ImageStore store;
  private final Consumer<PullResult> onPulled;

  public StoreImages(ImageStore store, Consumer<PullResult> onPulled) {
    this.store = store;
    this.onPulled = onPulled;
  }

  @Override
  public Resolved resolve(String reference) {
    try {
      Image image = store.get(reference).orElseGet(() -> {
        PullResult pulled = store.pull(reference, null);
        onPulled.accept(pulled);
        return pulled.image();
      });
      return new Resolved(image.id(), image.config().defaultArgs(), image.config().env(),
          image.config().workingDir() == null ? "" : image.config().workingDir(),
          image.config().user() == null ? "" : image.config().user());
    } catch (IllegalArgumentException e) {
      throw ContainerException.invalid("invalid image reference '" + reference + "': " + e.getMessage());
    }
  }

  @Override
  public Path prepare(String imageId, Path containerDir) {
    return store.rootfs().prepare(imageId, containerDir);
  }

  @Override
  public void discard(Path containerDir) {
    store.rootfs().discard(containerDir);
  }
}
