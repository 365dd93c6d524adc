package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import java.util.List;
import java.util.Map;

/**
 * What a user asked to run, as journaled in CreateRequested. Validated before it reaches an actor
 * ({@link ContainerSpecValidator}); {@code image} is then the real path of the root filesystem.
 */
public record ContainerSpec(
    String name,
    String image,
    List<String> command,
    List<String> env,
    String workdir,
    boolean readOnly,
    Map<String, String> labels)
    implements CborSerializable {

  public ContainerSpec {
    command = List.copyOf(command);
    env = List.copyOf(env);
    labels = Map.copyOf(labels);
  }
}
