package dev.conman.cli;

import dev.conman.api.v1.StartContainerRequest;
import picocli.CommandLine.Command;

/** container start: StartContainer for each REF. */
@Command(name = "start",
    description = "Start created containers. An exited one runs again, as with docker start: its command"
        + " anew, with the same id, logs (appended to) and file system. Prints the id of each.")
final class StartCommand extends RefCommand {
  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    console.acted(daemon.runtime()
        .startContainer(StartContainerRequest.newBuilder().setRef(ref).build()).getContainer());
  }
}
