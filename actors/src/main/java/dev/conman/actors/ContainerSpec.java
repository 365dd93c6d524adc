package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import dev.conman.runc.Resources;
import dev.conman.runc.StdioMode;
import dev.conman.runc.VolumeMount;
import java.util.List;
import java.util.Map;

/**
 * What a user asked to run, as journaled in CreateRequested. Validated before it reaches an actor
 * ({@link ContainerSpecValidator}): {@code image} is then either the real path of a root filesystem
 * directory ({@code imageId} null), or the image reference the user gave, with {@code imageId} the
 * pulled image's id and command, env and workdir completed from the image's defaults.
 * {@code autoRemove}: the daemon deletes the container once it has finished (docker run --rm).
 * {@code mounts}: host directories, named volumes and tmpfs file systems mounted into it (docker run -v, --tmpfs).
 */
public record ContainerSpec(
    String name,
    String image,
    List<String> command,
    List<String> env,
    String workdir,
    boolean readOnly,
    Map<String, String> labels,
    String imageId,
    RestartPolicy restart,
    Resources resources,
    ProcessSecurity security,
    NetworkSpec network,
    StdioMode stdio,
    Boolean autoRemove,
    List<VolumeMount> mounts)
    implements CborSerializable {

  /** Fields added after the first release read as null from old journals: they get their defaults. */
  public ContainerSpec {
    command = List.copyOf(command);
    env = List.copyOf(env);
    labels = Map.copyOf(labels);
    restart = restart == null ? RestartPolicy.NO : restart;
    resources = resources == null ? Resources.NONE : resources;
    security = security == null ? ProcessSecurity.DEFAULT : security;
    network = network == null ? new NetworkSpec(null, null, null) : network;
    stdio = stdio == null ? StdioMode.NONE : stdio;
    autoRemove = Boolean.TRUE.equals(autoRemove);
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
  }

  /** Without a terminal or stdin (output only). */
  public ContainerSpec(String name, String image, List<String> command, List<String> env, String workdir,
      boolean readOnly, Map<String, String> labels, String imageId, RestartPolicy restart, Resources resources,
      ProcessSecurity security) {
    this(name, image, command, env, workdir, readOnly, labels, imageId, restart, resources, security, null, null, null,
        null);
  }

  /** A spec whose image is a root filesystem directory, with default limits and policies. */
  public ContainerSpec(String name, String image, List<String> command, List<String> env, String workdir,
      boolean readOnly, Map<String, String> labels) {
    this(name, image, command, env, workdir, readOnly, labels, null, null, null, null, null, null, null, null);
  }

  /** The same spec with other values for what the validator fills in. */
  ContainerSpec with(String newImage, List<String> newCommand, List<String> newEnv, String newWorkdir,
      String newImageId) {
    return new ContainerSpec(name, newImage, newCommand, newEnv, newWorkdir, readOnly, labels, newImageId, restart,
        resources, security, network, stdio, autoRemove, mounts);
  }

  /** The same spec running as {@code user} (an image's default user when the request named none). */
  ContainerSpec withUser(String user) {
    return new ContainerSpec(name, image, command, env, workdir, readOnly, labels, imageId, restart, resources,
        new ProcessSecurity(user, security.capAdd(), security.capDrop(), security.privileged(),
            security.allowNewPrivileges()), network, stdio, autoRemove, mounts);
  }

  /** The same spec with other resource limits (after an update). */
  public ContainerSpec withResources(Resources newResources) {
    return new ContainerSpec(name, image, command, env, workdir, readOnly, labels, imageId, restart, newResources,
        security, network, stdio, autoRemove, mounts);
  }

  /** The same spec with another restart policy (after an update). */
  public ContainerSpec withRestart(RestartPolicy newRestart) {
    return new ContainerSpec(name, image, command, env, workdir, readOnly, labels, imageId, newRestart, resources,
        security, network, stdio, autoRemove, mounts);
  }

  /** The same spec on the network the daemon resolved the request to. */
  ContainerSpec withNetwork(NetworkSpec newNetwork) {
    return new ContainerSpec(name, image, command, env, workdir, readOnly, labels, imageId, restart, resources,
        security, newNetwork, stdio, autoRemove, mounts);
  }

  /** The same spec with these mounts (the validator's real paths). */
  ContainerSpec withMounts(List<VolumeMount> newMounts) {
    return new ContainerSpec(name, image, command, env, workdir, readOnly, labels, imageId, restart, resources,
        security, network, stdio, autoRemove, newMounts);
  }

  /** Whether the root filesystem comes from a pulled image (an overlay), not a directory. */
  public boolean fromImage() {
    return imageId != null;
  }
}
