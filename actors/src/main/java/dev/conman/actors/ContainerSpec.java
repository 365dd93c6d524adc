package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * What a user asked to run, as journaled in CreateRequested. Validated before it reaches an actor
 * ({@link ContainerSpecValidator}): {@code image} is then either the real path of a root filesystem
 * directory ({@code imageId} null), or the image reference the user gave, with {@code imageId} the
 * pulled image's id and command, env and workdir completed from the image's defaults.
 */
public record ContainerSpec(
    String name,
    String image,
    List<String> command,
    List<String> env,
    String workdir,
    boolean readOnly,
    Map<String, String> labels,
    String imageId)
    implements CborSerializable {

  public ContainerSpec {
    command = List.copyOf(command);
    env = List.copyOf(env);
    labels = Map.copyOf(labels);
  }

  /** A spec whose image is a root filesystem directory. */
  public ContainerSpec(String name, String image, List<String> command, List<String> env, String workdir,
      boolean readOnly, Map<String, String> labels) {
    this(name, image, command, env, workdir, readOnly, labels, null);
  }

  /** Whether the root filesystem comes from a pulled image (an overlay), not a directory. */
  public boolean fromImage() {
    return imageId != null;
  }
}
