package dev.conman.cli;

import dev.conman.api.v1.StopContainerRequest;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/**
 * container stop: StopContainer for each REF. The daemon answers once the container has exited,
 * which may take the whole grace period, so the call's deadline is the grace period plus the
 * global --timeout.
 */
@Command(name = "stop",
    description = "Stop running containers: SIGTERM, then SIGKILL after the timeout. Prints the id"
        + " of each once it has exited.")
final class StopCommand extends RefCommand {
  @Mixin StopTimeoutOption grace;

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    StopContainerRequest request =
        StopContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(grace.seconds).build();
    console.acted(daemon.runtime(Duration.ofSeconds(grace.seconds)).stopContainer(request).getContainer());
  }
}
