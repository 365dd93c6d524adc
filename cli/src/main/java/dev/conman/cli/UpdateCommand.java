package dev.conman.cli;

import dev.conman.api.v1.UpdateContainerRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * container update: UpdateContainer for each REF, with only the limits and policy given; the
 * daemon applies limits with runc update, and journals both.
 */
@Command(name = "update",
    description = "Change the resource limits of created, running or paused containers, or the restart"
        + " policy of any container, as docker update does; what is not given stays as it is. Prints the id"
        + " of each.")
final class UpdateCommand extends RefCommand {
  @Mixin ResourceOptions resources;

  @Option(names = "--restart", paramLabel = "POLICY", converter = CreateOptions.RestartConverter.class,
      description = "The new restart policy: no, on-failure[:MAX], always or unless-stopped. It applies from"
          + " the container's next exit on; it starts nothing by itself.")
  String restart;

  @Override
  protected void validate() {
    if (resources.isEmpty() && restart == null) {
      throw new ParameterException(spec.commandLine(),
          "nothing to update: give --restart or at least one of " + ResourceOptions.NAMES);
    }
  }

  UpdateContainerRequest request(String ref) {
    UpdateContainerRequest.Builder request = UpdateContainerRequest.newBuilder().setRef(ref);
    if (!resources.isEmpty()) {
      request.setResources(resources.resources());
    }
    if (restart != null) {
      request.setRestartPolicy(restart);
    }
    return request.build();
  }

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    console.acted(daemon.runtime().updateContainer(request(ref)).getContainer());
  }
}
