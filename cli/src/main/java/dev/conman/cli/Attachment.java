package dev.conman.cli;

import dev.conman.api.v1.AttachSpec;
import java.util.Optional;

/**
 * What attach and run -it share: attach (waiting until the daemon is connected), then run
 * {@code afterAttached} (run starts the container here, so none of its output is missed), put a
 * terminal in raw mode for an interactive terminal session, forward stdin and window size changes,
 * and copy output until the container exits or the detach keys are typed.
 *
 * <p>Without a terminal, Ctrl-C goes to the container as SIGINT ({@link SignalProxy}), or with
 * --sig-proxy=false ends conmanctl's attach (the container runs on); in raw mode Ctrl-C is a key
 * like any other and reaches the container's terminal.
 */
final class Attachment {

  private Attachment() {}

  static AttachSession.Outcome run(Daemon daemon, String ref, boolean tty, boolean stdin, String detachKeys,
      Stdio stdio, Runnable afterAttached) throws InterruptedException {
    AttachSpec.Builder spec = AttachSpec.newBuilder().setRef(ref).setStdin(stdin);
    if (detachKeys != null) {
      spec.setDetachKeys(detachKeys);
    }
    if (tty) {
      RawTerminal.size().ifPresent(spec::setSize);
    }
    AttachSession session = new AttachSession();
    session.open(daemon.ioAsync(), spec.build());
    Thread ctrlC = new Thread(() -> session.cancel("interrupted (Ctrl-C)"), "conmanctl-attach-interrupt");
    Runtime.getRuntime().addShutdownHook(ctrlC);
    Optional<RawTerminal> raw = Optional.empty();
    try {
      afterAttached.run();
      if (tty && stdin) {
        raw = RawTerminal.enter();
      }
      if (tty) {
        RawTerminal.followSize(session::resize);
      }
      if (stdin) {
        session.sendStdin(stdio.in());
      }
      return session.run(stdio);
    } finally {
      raw.ifPresent(RawTerminal::close);
      try {
        Runtime.getRuntime().removeShutdownHook(ctrlC);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running
      }
    }
  }

  /** conmanctl's exit status for an outcome: the container's exit code, 0 after a detach. */
  static int exitStatus(AttachSession.Outcome outcome, Console console) {
    if (outcome.detached()) {
      return ExitCodes.OK;
    }
    if (outcome.exitCode() == null) {
      console.error("the container's exit code is unknown");
      return ExitCodes.NO_CONTAINER_EXIT_CODE;
    }
    return outcome.exitCode();
  }
}
