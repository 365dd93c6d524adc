package dev.conman.cli;

import dev.conman.api.v1.UpdateContainerRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.ParameterException;

/**
 * container update: UpdateContainer for each REF, with only the limits given; the daemon applies
 * them with runc update and journals them.
 */
@Command(name = "update",
    description = "Change the resource limits of created, running or paused containers; limits not given"
        + " stay as they are. Prints the id of each.")
final class UpdateCommand extends RefCommand {
  @Mixin ResourceOptions resources;

  @Override
  protected void validate() {
    if (resources.isEmpty()) {
      throw new ParameterException(spec.commandLine(),
          "nothing to update: give at least one of " + ResourceOptions.NAMES);
    }
  }

  UpdateContainerRequest request(String ref) {
    return UpdateContainerRequest.newBuilder().setRef(ref).setResources(resources.resources())
        .build();
  }

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    console.acted(daemon.runtime().updateContainer(request(ref)).getContainer());
  }
}
