package dev.conman.cli;

import dev.conman.api.v1.Container;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** container create: CreateContainer; prints the new id. The container does not run yet. */
@Command(name = "create",
    description = "Create a container; it runs only after 'container start'. Prints its id.")
final class CreateCommand extends DaemonCommand {
  @Mixin CreateOptions create;

  @Override
  protected void validate() {
    create.validate();
  }

  @Override
  protected int run(Daemon daemon, Console console) {
    Container created = daemon.runtime()
        .createContainer(create.request(System.getenv())).getContainer();
    console.acted(created);
    return ExitCodes.OK;
  }
}
