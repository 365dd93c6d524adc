package dev.conman.cli;

import dev.conman.api.v1.GetContainerRequest;
import picocli.CommandLine.Command;

/** container status: GetContainer for each REF. */
@Command(name = "status", aliases = "inspect",
    description = "Show everything about containers: state, pid, exit code, times, command, ...")
final class StatusCommand extends RefCommand {
  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    console.details(daemon.runtime()
        .getContainer(GetContainerRequest.newBuilder().setRef(ref).build()).getContainer());
  }
}
