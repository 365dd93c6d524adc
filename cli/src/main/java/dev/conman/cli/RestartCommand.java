package dev.conman.cli;

import dev.conman.api.v1.RestartContainerRequest;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** restart: RestartContainer for each REF; the deadline allows for the stop's grace period, as stop's does. */
@Command(name = "restart",
    description = "Stop containers as 'stop' does (those that run), then start them again, as docker restart"
        + " does: the command runs anew in the same container. Prints the id of each once it runs.")
final class RestartCommand extends RefCommand {
  @Mixin StopTimeoutOption grace;

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    RestartContainerRequest request =
        RestartContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(grace.seconds).build();
    console.acted(daemon.runtime(Duration.ofSeconds(grace.seconds)).restartContainer(request).getContainer());
  }
}
