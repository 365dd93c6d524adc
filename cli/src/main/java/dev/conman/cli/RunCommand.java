package dev.conman.cli;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import io.grpc.StatusRuntimeException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * run: CreateContainer, StartContainer, then (unless --detach) the container's output until it
 * exits. Exits with the container's exit code, like docker run; 125 when conmanctl or the daemon
 * failed.
 *
 * <p>In the foreground conmanctl attaches before the start, as docker run does, so that none of the
 * output is missed: stdout and stderr only, or with -i and -t stdin and a terminal too. With
 * {@code -o json} and neither -i nor -t nothing is shown: conmanctl waits, then prints the exited
 * container.
 *
 * <p>--rm is always the daemon's (auto_remove): it deletes the container once it has finished,
 * also when conmanctl was interrupted or detached. conmanctl then waits until the container is
 * gone; deleted already, it is found in the journal by its full id. conmanctl deletes it itself
 * only when the start failed.
 */
@Command(name = "run",
    description = {"Create and start a container, then wait for it to exit and exit with its exit"
        + " code (125 if conmanctl or the daemon failed, or the exit code is unknown; 127 if the command was"
        + " not found in the container, 126 if it cannot be executed).",
        "Shows the container's output meanwhile, as docker run does (stdout to stdout, stderr to stderr;"
        + " attached before the start), or prints the exited container (json); with -d, prints its id.",
        "With -i and/or -t, conmanctl also copies its stdin to the container, in raw terminal mode with"
        + " -t; the detach keys (default Ctrl-P Ctrl-Q) leave it running and exit 0."})
final class RunCommand extends DaemonCommand {
  @Option(names = "--rm",
      description = "Delete the container once it has exited, or if it fails to start. The daemon deletes"
          + " it, also after a detach or when conmanctl is gone; in the foreground conmanctl waits until it has.")
  boolean remove;

  @Option(names = {"-d", "--detach"},
      description = "Do not wait: print the id (or the started container as json) and exit 0.")
  boolean detach;

  @Option(names = "--detach-keys", paramLabel = "KEYS",
      description = "With -i or -t: the key sequence that detaches, leaving the container running"
          + " (comma-separated keys, each a character or ctrl-X). Default: ctrl-p,ctrl-q.")
  String detachKeys;

  @Mixin SigProxyOption sigProxy;

  @Mixin CreateOptions create;

  @Override
  protected void validate() {
    create.validate();
  }

  /** In the foreground with output to show (not -o json), or with -i or -t: attached before the start. */
  private boolean attached(Console console) {
    return !detach && (create.tty || create.stdin || !console.json());
  }

  @Override
  protected int run(Daemon daemon, Console console) {
    dev.conman.api.v1.CreateContainerRequest request = create.request(System.getenv());
    boolean attached = attached(console);
    if (attached && create.stdin && !create.tty) {
      // as docker run -i: the end of conmanctl's stdin is the end of the container's
      request = request.toBuilder().setStdinOnce(true).build();
    }
    if (remove) {
      request = request.toBuilder().setAutoRemove(true).build();
    }
    if (detach) {
      // one call, as runc run -d: a start that fails leaves a FAILED container, which the daemon
      // deletes itself if --rm asked it to
      console.acted(daemon.runtime().createContainer(request.toBuilder().setStart(true).build()).getContainer());
      return ExitCodes.OK;
    }
    Container created = daemon.runtime().createContainer(request).getContainer();
    try (SignalProxy proxy = sigProxy.start(daemon, created.getId(), create.tty, console)) {
      if (attached) {
        return runAttached(created.getId(), daemon, console);
      }
      startOrDelete(created.getId(), daemon, console);
      Container exited = remove ? WaitCommand.awaitRemoval(created.getId(), daemon)
          : WaitCommand.awaitExit(created.getId(), daemon);
      console.acted(exited);
      return WaitCommand.exitStatus(exited, console);
    }
  }

  /**
   * Attaches before starting, so the container's first output (a shell's prompt) is not missed;
   * the id is not printed, since the container's own output follows.
   */
  private int runAttached(String id, Daemon daemon, Console console) {
    AttachSession.Outcome outcome;
    boolean[] started = {false};
    try {
      outcome = Attachment.run(daemon, id, create.tty, create.stdin, detachKeys, stdio(), () -> {
        start(id, daemon);
        started[0] = true;
      });
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.INTERRUPTED;
    } catch (RuntimeException e) {
      // a container that ran is the daemon's to delete (auto_remove): a lost attach must not kill it
      if (remove && !started[0]) {
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
    if (remove) {
      awaitRemoval(id, daemon, console);
    }
    return Attachment.exitStatus(outcome, console);
  }

  private static Container start(String id, Daemon daemon) {
    return daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  /**
   * Starts it; with --rm, a container that did not start is deleted: a refused start leaves it
   * CREATED, which the daemon does not delete (it never ran). One whose start failed in runc is
   * FAILED and the daemon deletes it itself (auto_remove): this delete then repeats the daemon's,
   * and a container already gone is no error here.
   */
  private Container startOrDelete(String id, Daemon daemon, Console console) {
    try {
      return start(id, daemon);
    } catch (StatusRuntimeException e) {
      if (remove) {
        delete(id, daemon, console);
      }
      throw e;
    }
  }

  /**
   * As docker run --rm: back once the container is gone, so that the next command does not see it.
   * A wait that fails is reported, but the exit code is known already and stays conmanctl's status.
   */
  private static void awaitRemoval(String id, Daemon daemon, Console console) {
    try {
      WaitCommand.awaitRemoval(id, daemon);
    } catch (StatusRuntimeException e) {
      console.error("--rm: could not wait for the daemon's delete of " + ContainerFormat.shortId(id) + ": "
          + Console.describe(e));
    }
  }

  /**
   * --rm of a container that did not start: a failed delete is reported but does not hide the
   * start's failure. A container already gone is what was asked for.
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
    return ExitCodes.commandFailure(mapped);
  }
}
