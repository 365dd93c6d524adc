package dev.conman.cli;

import java.time.ZoneId;
import java.util.concurrent.Callable;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * A verb that talks to conmand: connects with the global options, runs, and closes the channel.
 * gRPC errors that escape {@link #run} are reported by {@link Conmanctl}'s failure handler.
 */
abstract class DaemonCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public final Integer call() {
    validate();
    Conmanctl global = (Conmanctl) spec.root().userObject();
    ZoneId zone = ZoneId.systemDefault();
    Console console = new Console(spec.commandLine().getOut(), spec.commandLine().getErr(),
        global.output(), new ContainerFormat(zone), new EventFormat(zone));
    try (Daemon daemon = Daemon.connect(global.socket(), global.timeout())) {
      return run(daemon, console);
    }
  }

  /** conmanctl's stdin, stdout and stderr as bytes, for a container's own I/O. */
  protected Stdio stdio() {
    return ((Conmanctl) spec.root().userObject()).stdio();
  }

  /** Checks option combinations before connecting; throws picocli's ParameterException. */
  protected void validate() {}

  /** Does the verb's work; returns the exit status. */
  protected abstract int run(Daemon daemon, Console console);

  /**
   * The exit status when the command fails with {@code mapped} (see {@link ExitCodes}); commands
   * whose status is a container's exit code override it.
   */
  int failureExitCode(int mapped) {
    return mapped;
  }
}
