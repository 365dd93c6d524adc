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
      int status = run(daemon, console);
      markArchiveWorthKeeping();
      return status;
    }
  }

  /**
   * bin/conmanctl writes its class-data archive at the exit of the first run of a build, and keeps
   * it only if that run talked to the daemon: an archive of a --help, or of a run that found no
   * daemon, lacked the gRPC client's classes, and a list then took 440 ms instead of 235 ms.
   */
  private static void markArchiveWorthKeeping() {
    String mark = System.getProperty(ARCHIVE_MARK);
    if (mark != null) {
      loadWhatOtherCommandsUse();
      try {
        java.nio.file.Files.writeString(java.nio.file.Path.of(mark), "");
      } catch (java.io.IOException | RuntimeException e) {
        // no mark: the archive is not kept, and the next run writes one again
      }
    }
  }

  /**
   * The archive holds what this run loaded; whatever the first run was (volume ls, say), a later
   * container list should find its classes there too (a list after an archive of volume ls took
   * 40 ms more). So the archive's run also builds every command and formats a container and an
   * event, once, for nobody.
   */
  private static void loadWhatOtherCommandsUse() {
    Conmanctl.commandLine(Stdio.system());
    dev.conman.api.v1.Container c = dev.conman.api.v1.Container.newBuilder().setId("0").setName("c")
        .setState(dev.conman.api.v1.ContainerState.CONTAINER_STATE_RUNNING).build();
    ContainerFormat format = new ContainerFormat(ZoneId.systemDefault());
    format.table(java.util.List.of(c));
    format.details(c);
    ContainerFormat.json(c);
    dev.conman.api.v1.Event e = dev.conman.api.v1.Event.newBuilder().setType("started").setContainerId("0").build();
    new EventFormat(ZoneId.systemDefault()).line(e);
    EventFormat.json(e);
  }

  /** The file to create once a call to the daemon has been answered (see bin/conmanctl). */
  static final String ARCHIVE_MARK = "conmanctl.cds.mark";

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
