package dev.conman.cli;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.WaitContainerRequest;
import dev.conman.api.v1.WaitCondition;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * container wait: WaitContainer, without deadline. Prints the exit code and exits with it, so
 * that a script can treat a container like a command.
 */
@Command(name = "wait",
    description = "Wait until a container has exited; print its exit code and exit with it"
        + " (125 if it is unknown or waiting failed).")
final class WaitCommand extends DaemonCommand {
  @Parameters(paramLabel = "REF", description = RefCommand.REF_DESCRIPTION)
  String ref;

  @Option(names = "--until-removed",
      description = "Wait until the container has been deleted (by run --rm, or anyone). Given its full id,"
          + " a container deleted already is found in the daemon's journal.")
  boolean untilRemoved;

  @Override
  protected int run(Daemon daemon, Console console) {
    Container exited = untilRemoved ? awaitRemoval(ref, daemon) : awaitExit(ref, daemon);
    console.exited(exited);
    return exitStatus(exited, console);
  }

  @Override
  int failureExitCode(int mapped) {
    return ExitCodes.NO_CONTAINER_EXIT_CODE;
  }

  /** Blocks until the container has exited (or is found in a terminal state). */
  static Container awaitExit(String ref, Daemon daemon) {
    return await(ref, WaitCondition.WAIT_CONDITION_FINISHED, daemon);
  }

  /**
   * Blocks until the container has been deleted; given its full id, a container deleted already is
   * found in the daemon's journal.
   */
  static Container awaitRemoval(String ref, Daemon daemon) {
    return await(ref, WaitCondition.WAIT_CONDITION_REMOVED, daemon);
  }

  private static Container await(String ref, WaitCondition condition, Daemon daemon) {
    return daemon.runtimeWithoutDeadline()
        .waitContainer(WaitContainerRequest.newBuilder().setRef(ref).setCondition(condition).build()).getContainer();
  }

  /** The container's exit code; 125 and an explanation on stderr when there is none. */
  static int exitStatus(Container c, Console console) {
    if (c.hasExitCode()) {
      return c.getExitCode();
    }
    String why = c.getMessage().isEmpty() ? "" : ": " + c.getMessage();
    console.error("container " + ContainerFormat.shortId(c.getId()) + " ("
        + ContainerFormat.state(c.getState()) + ") has no known exit code" + why);
    return ExitCodes.NO_CONTAINER_EXIT_CODE;
  }
}
