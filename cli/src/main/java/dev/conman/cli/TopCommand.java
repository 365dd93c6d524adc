package dev.conman.cli;

import dev.conman.api.v1.ContainerProcessesRequest;
import picocli.CommandLine.Command;

/** top (also container top): ContainerProcesses for each REF. */
@Command(name = "top",
    description = {"Show the processes of running containers, as docker top and podman top do: their pid in"
        + " the container and on the host, parent, user, state, CPU time, start time and command.",
        "With several REFs, one table each, separated by a blank line; -o json prints one object per container."})
final class TopCommand extends RefCommand {
  private boolean shown;

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    var processes = daemon.runtime().containerProcesses(ContainerProcessesRequest.newBuilder().setRef(ref).build());
    if (shown && !console.json()) {
      console.line("");
    }
    shown = true;
    console.processes(processes);
  }
}
