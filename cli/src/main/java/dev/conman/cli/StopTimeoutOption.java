package dev.conman.cli;

import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code -t/--timeout} of stop and restart: the grace period between SIGTERM and SIGKILL. */
final class StopTimeoutOption {
  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  int seconds = 10;

  @Option(names = {"-t", "--timeout"}, paramLabel = "SECONDS", defaultValue = "10",
      description = "Seconds to wait after SIGTERM before sending SIGKILL; 0 kills at once"
          + " (default: ${DEFAULT-VALUE}).")
  void seconds(int value) {
    if (value < 0) {
      throw new ParameterException(mixee.commandLine(), "--timeout must be 0 or more seconds, not " + value);
    }
    seconds = value;
  }
}
