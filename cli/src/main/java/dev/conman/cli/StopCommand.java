package dev.conman.cli;

import dev.conman.api.v1.StopContainerRequest;
import java.time.Duration;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * container stop: StopContainer for each REF. The daemon answers once the container has exited,
 * which may take the whole grace period, so the call's deadline is the grace period plus the
 * global --timeout.
 */
@Command(name = "stop",
    description = "Stop running containers: SIGTERM, then SIGKILL after the timeout. Prints the id"
        + " of each once it has exited.")
final class StopCommand extends RefCommand {
  @Spec(Spec.Target.SELF) CommandSpec self;

  int graceSeconds = 10;

  @Option(names = {"-t", "--timeout"}, paramLabel = "SECONDS", defaultValue = "10",
      description = "Seconds to wait after SIGTERM before sending SIGKILL; 0 kills at once"
          + " (default: ${DEFAULT-VALUE}).")
  void grace(int seconds) {
    if (seconds < 0) {
      throw new ParameterException(self.commandLine(),
          "--timeout must be 0 or more seconds, not " + seconds);
    }
    graceSeconds = seconds;
  }

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    StopContainerRequest request =
        StopContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(graceSeconds).build();
    console.acted(
        daemon.runtime(Duration.ofSeconds(graceSeconds)).stopContainer(request).getContainer());
  }
}
