package dev.conman.cli;

import dev.conman.api.v1.LogsRequest;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * run: CreateContainer, StartContainer, then (unless --detach) WaitContainer and, with --rm,
 * DeleteContainer. Exits with the container's exit code, like docker run; 125 when conmanctl or
 * the daemon failed. Meanwhile the container's output is copied from its log (Logs, following).
 *
 * <p>With --rm and -d, -i or -t the daemon deletes the container when it finishes (auto_remove):
 * no client may be left to do it. Without them conmanctl deletes it after reading its output from
 * the log, which the daemon's delete would remove, possibly before conmanctl has read it.
 */
@Command(name = "run",
    description = {"Create and start a container, then wait for it to exit and exit with its exit"
        + " code (125 if conmanctl or the daemon failed, or the exit code is unknown).",
        "Shows the container's output meanwhile, as docker run does (stdout to stdout, stderr to stderr,"
        + " from its log), or prints the exited container (json); with -d, prints its id.",
        "With -i and/or -t, conmanctl attaches to the container instead (before starting it) and copies"
        + " its output and conmanctl's stdin, in raw terminal mode with -t; the detach keys (default"
        + " Ctrl-P Ctrl-Q) leave it running and exit 0."})
final class RunCommand extends DaemonCommand {
  @Option(names = "--rm",
      description = "Delete the container once it has exited, or if it fails to start. With -d, -i or -t"
          + " the daemon deletes it, also after a detach or when conmanctl is gone.")
  boolean remove;

  @Option(names = {"-d", "--detach"},
      description = "Do not wait: print the id (or the started container as json) and exit 0.")
  boolean detach;

  @Option(names = "--detach-keys", paramLabel = "KEYS",
      description = "With -i or -t: the key sequence that detaches, leaving the container running"
          + " (comma-separated keys, each a character or ctrl-X). Default: ctrl-p,ctrl-q.")
  String detachKeys;

  @Mixin CreateOptions create;

  @Override
  protected void validate() {
    create.validate();
  }

  /** -i or -t: attached to the container's stdio, as docker run -it. */
  private boolean attached() {
    return !detach && (create.tty || create.stdin);
  }

  /** --rm where conmanctl may not be there when the container finishes (see the class comment). */
  private boolean daemonRemoves() {
    return remove && (detach || attached());
  }

  @Override
  protected int run(Daemon daemon, Console console) {
    dev.conman.api.v1.CreateContainerRequest request = create.request(System.getenv());
    if (attached() && create.stdin && !create.tty) {
      // as docker run -i: the end of conmanctl's stdin is the end of the container's
      request = request.toBuilder().setStdinOnce(true).build();
    }
    if (daemonRemoves()) {
      request = request.toBuilder().setAutoRemove(true).build();
    }
    Container created = daemon.runtime().createContainer(request).getContainer();
    if (attached()) {
      return runAttached(created.getId(), daemon, console);
    }
    if (detach && !console.json()) {
      console.acted(created);
    }
    Container started = start(created.getId(), daemon, console);
    if (detach) {
      if (console.json()) {
        console.acted(started);
      }
      return ExitCodes.OK;
    }
    if (!console.json()) {
      // as docker run: the container's output, from its log, until it has exited
      LogsCommand.copy(daemon.ioWithoutDeadline().logs(LogsRequest.newBuilder().setRef(created.getId())
          .setFollow(true).build()), stdio(), new LogFormat(false));
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

  /**
   * Attaches before starting, so the container's first output (a shell's prompt) is not missed;
   * the id is not printed, since the container's own output follows.
   */
  private int runAttached(String id, Daemon daemon, Console console) {
    AttachSession.Outcome outcome;
    try {
      outcome = Attachment.run(daemon, id, create.tty, create.stdin, detachKeys, stdio(),
          () -> start(id, daemon, console));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.INTERRUPTED;
    } catch (RuntimeException e) {
      if (remove) {
        delete(id, daemon, console);
      }
      throw e;
    }
    if (outcome.detached()) {
      if (remove) {
        console.error("detached from " + ContainerFormat.shortId(id) + ", which runs on; the daemon deletes it"
            + " when it exits (--rm)");
      }
      return ExitCodes.OK;
    }
    return Attachment.exitStatus(outcome, console);
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

  /**
   * --rm: a failed delete is reported but does not hide the container's exit code. A container
   * already gone is what was asked for: the daemon's auto_remove may have been first.
   */
  private static void delete(String id, Daemon daemon, Console console) {
    try {
      daemon.runtime().deleteContainer(
          DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
    } catch (StatusRuntimeException e) {
      if (e.getStatus().getCode() == io.grpc.Status.Code.NOT_FOUND) {
        return;
      }
      console.error("--rm: could not delete container " + ContainerFormat.shortId(id) + ": "
          + Console.describe(e));
    }
  }

  @Override
  int failureExitCode(int mapped) {
    return ExitCodes.NO_CONTAINER_EXIT_CODE;
  }
}
