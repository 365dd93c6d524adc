package dev.conman.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * attach: the Attach RPC through {@link Attachment}. Exits with the container's exit code when it
 * ends while attached, 0 after a detach; 125 when conmanctl or the daemon failed.
 */
@Command(name = "attach",
    description = {"Attach to a created, running or paused container's stdio: its output from now on (see"
        + " 'logs' for earlier output), and conmanctl's stdin to the container's when it was created"
        + " with --stdin. Several clients may be attached at once.",
        "Detach with the detach keys (default Ctrl-P Ctrl-Q): the container keeps running and conmanctl"
        + " exits 0. When the container ends, conmanctl exits with its exit code. Without a terminal"
        + " Ctrl-C is sent to the container as SIGINT (see --sig-proxy); with one (a container created with"
        + " --tty) it is a key that goes to the container's terminal."})
final class AttachCommand extends DaemonCommand {
  @Option(names = "--detach-keys", paramLabel = "KEYS",
      description = "Key sequence that detaches: comma-separated keys, each a character or ctrl-X"
          + " (X one of a-z @ [ \\ ] ^ _). Default: ctrl-p,ctrl-q.")
  String detachKeys;

  @Option(names = "--no-stdin",
      description = "Do not send conmanctl's stdin, only watch the output (the default for a container"
          + " created without --stdin).")
  boolean noStdin;

  @picocli.CommandLine.Mixin SigProxyOption sigProxy;

  @Parameters(index = "0", paramLabel = "REF", description = RefCommand.REF_DESCRIPTION)
  String ref;

  @Override
  protected int run(Daemon daemon, Console console) {
    dev.conman.api.v1.Container c = daemon.runtime().getContainer(
        dev.conman.api.v1.GetContainerRequest.newBuilder().setRef(ref).build()).getContainer();
    try (SignalProxy proxy = sigProxy.start(daemon, c.getId(), c.getTty(), console)) {
      return Attachment.exitStatus(Attachment.run(daemon, c.getId(), c.getTty(), c.getStdin() && !noStdin, detachKeys,
          stdio(), () -> {}), console);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.INTERRUPTED;
    }
  }

  @Override
  int failureExitCode(int mapped) {
    return ExitCodes.NO_CONTAINER_EXIT_CODE;
  }
}
