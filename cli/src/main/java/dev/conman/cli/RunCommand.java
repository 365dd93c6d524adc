package dev.conman.cli;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * run: CreateContainer, StartContainer, then (unless --detach) WaitContainer and, with --rm,
 * DeleteContainer. Exits with the container's exit code, like docker run; 125 when conmanctl or
 * the daemon failed. The container's output goes to its log file (see 'container status').
 */
@Command(name = "run",
    description = {"Create and start a container, then wait for it to exit and exit with its exit"
        + " code (125 if conmanctl or the daemon failed, or the exit code is unknown).",
        "Prints the container's id first (table output), or the exited container (json)."})
final class RunCommand extends DaemonCommand {
  @Option(names = "--rm",
      description = "Delete the container once it has exited, or if it fails to start.")
  boolean remove;

  @Option(names = {"-d", "--detach"},
      description = "Do not wait: print the id (or the started container as json) and exit 0.")
  boolean detach;

  @Mixin CreateOptions create;

  @Override
  protected void validate() {
    if (remove && detach) {
      throw new ParameterException(spec.commandLine(), "--rm cannot be combined with --detach:"
          + " the daemon cannot remove containers on exit yet, and conmanctl does not wait");
    }
    create.validate();
  }

  @Override
  protected int run(Daemon daemon, Console console) {
    Container created =
        daemon.runtime().createContainer(create.request(System.getenv())).getContainer();
    if (!console.json()) {
      console.acted(created);
    }
    Container started = start(created.getId(), daemon, console);
    if (detach) {
      if (console.json()) {
        console.acted(started);
      }
      return ExitCodes.OK;
    }
    Container exited = WaitCommand.awaitExit(created.getId(), daemon);
    if (console.json()) {
      console.acted(exited);
    }
    int status = WaitCommand.exitStatus(exited, console);
    if (remove) {
      delete(created.getId(), daemon, console);
    }
    return status;
  }

  private Container start(String id, Daemon daemon, Console console) {
    try {
      return daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build())
          .getContainer();
    } catch (StatusRuntimeException e) {
      if (remove) {
        delete(id, daemon, console);
      }
      throw e;
    }
  }

  /** --rm: a failed delete is reported but does not hide the container's exit code. */
  private static void delete(String id, Daemon daemon, Console console) {
    try {
      daemon.runtime().deleteContainer(
          DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
    } catch (StatusRuntimeException e) {
      console.error("--rm: could not delete container " + ContainerFormat.shortId(id) + ": "
          + Console.describe(e));
    }
  }

  @Override
  int failureExitCode(int mapped) {
    return ExitCodes.NO_CONTAINER_EXIT_CODE;
  }
}
