package dev.conman.cli;

import dev.conman.api.v1.KillContainerRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** container kill: KillContainer for each REF. */
@Command(name = "kill",
    description = "Send a signal to the init process of running containers. Prints the id of each.")
final class KillCommand extends RefCommand {
  @Option(names = {"-s", "--signal"}, paramLabel = "SIG", defaultValue = "SIGKILL",
      description = "Signal name (SIGTERM, TERM) or number (15) (default: ${DEFAULT-VALUE}).")
  String signal;

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    KillContainerRequest request =
        KillContainerRequest.newBuilder().setRef(ref).setSignal(signal).build();
    console.acted(daemon.runtime().killContainer(request).getContainer());
  }
}
