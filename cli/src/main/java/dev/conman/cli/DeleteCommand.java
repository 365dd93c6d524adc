package dev.conman.cli;

import dev.conman.api.v1.DeleteContainerRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** container delete: DeleteContainer for each REF. */
@Command(name = "delete", aliases = "rm",
    description = "Remove containers with their bundle and logs. Prints the id of each.")
final class DeleteCommand extends RefCommand {
  @Option(names = {"-f", "--force"},
      description = "Kill a container that is still running (SIGKILL) before removing it.")
  boolean force;

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    DeleteContainerRequest request =
        DeleteContainerRequest.newBuilder().setRef(ref).setForce(force).build();
    console.deleted(daemon.runtime().deleteContainer(request).getId());
  }
}
