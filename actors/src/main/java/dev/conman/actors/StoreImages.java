package dev.conman.actors;

import dev.conman.images.Image;
import dev.conman.images.ImageException;
import dev.conman.images.ImageStore;
import dev.conman.images.PullResult;
import java.nio.file.Path;
import java.util.function.Consumer;

/** {@link Images} backed by the image store; pulls a missing image and reports the pull to be journaled. */
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
    } catch (ImageException e) {
      throw toContainerException(e);
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

  /** The image store's refusals in the container domain's terms (and so its gRPC codes). */
  public static ContainerException toContainerException(ImageException e) {
    return switch (e.code()) {
      case INVALID_REFERENCE, INVALID_CONTENT -> ContainerException.invalid(e.getMessage());
      case NOT_FOUND -> ContainerException.imageNotFound(e.getMessage());
      case IN_USE -> ContainerException.wrongState(e.getMessage());
      case REGISTRY_UNAVAILABLE -> ContainerException.unavailable(e.getMessage());
      default -> ContainerException.runtime("image operation", "-", e.getMessage());
    };
  }
}
