package dev.conman.cli;

import dev.conman.api.v1.AttachInput;
import dev.conman.api.v1.AttachOutput;
import dev.conman.api.v1.AttachSpec;
import dev.conman.api.v1.IoServiceGrpc.IoServiceStub;
import dev.conman.api.v1.TerminalSize;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;

/**
 * One Attach call, bridged to conmanctl's blocking main thread by a {@link StreamedCall} as
 * {@link ExecSession} is for exec: {@link #open} sends start and returns once the daemon is
 * connected to the container (so that run can start the container without losing its first
 * output), {@link #run} copies output until the container exits or the detach keys are typed.
 * close_stdin does not half-close the call: output keeps coming after it.
 */
final class AttachSession {

  /** How the session ended: the container's exit code (null when unknown), or a detach. */
  record Outcome(boolean detached, Integer exitCode) {}

  private final StreamedCall<AttachInput, AttachOutput> call = new StreamedCall<>(
      stdin -> AttachInput.newBuilder().setStdin(stdin).build(),
      AttachInput.newBuilder().setCloseStdin(true).build(), false,
      o -> o.getStdout().size() + o.getStderr().size(), READ_AHEAD);

  /**
   * Output held while conmanctl's reader pauses (a pager), so that the daemon does not drop this
   * client as stalled: it does after 10 s without taking any.
   */
  static final long READ_AHEAD = 16 << 20;

  /**
   * Starts the call and waits for the daemon's {@code attached}.
   *
   * @throws StatusRuntimeException the daemon's refusal (NOT_FOUND, FAILED_PRECONDITION, ...)
   */
  void open(IoServiceStub io, AttachSpec spec) throws InterruptedException {
    io.attach(call);
    call.send(AttachInput.newBuilder().setStart(spec).build());
    Object first = call.take();
    if (first instanceof StreamedCall.Ended ended) {
      throw ended.failure();
    }
    // anything else first is output of a newer daemon's protocol: it is written by run
    if (first instanceof AttachOutput o && o.hasAttached()) {
      call.written(first);
    } else {
      call.putBack(first);
    }
  }

  /** Copies {@code stdin} to the container in a daemon thread, then close_stdin at EOF. */
  void sendStdin(InputStream stdin) {
    call.sendStdin(stdin);
  }

  void resize(TerminalSize size) {
    call.sendControl(AttachInput.newBuilder().setResize(size).build());
  }

  /** Writes output until the call ends. */
  Outcome run(Stdio stdio) throws InterruptedException {
    Outcome outcome = null;
    while (true) {
      Object next = call.take();
      if (next instanceof StreamedCall.Ended ended) {
        if (ended.error() != null) {
          throw ended.failure();
        }
        if (outcome == null) {
          throw new CliException(ExitCodes.NO_CONTAINER_EXIT_CODE, "the daemon ended attach without saying why");
        }
        return outcome;
      }
      AttachOutput output = (AttachOutput) next;
      boolean written = switch (output.getOutputCase()) {
        case STDOUT -> stdio.write(false, output.getStdout());
        case STDERR -> stdio.write(true, output.getStderr());
        case EXITED -> {
          outcome = new Outcome(false, output.getExited().hasExitCode() ? output.getExited().getExitCode() : null);
          yield true;
        }
        case DETACHED -> {
          outcome = new Outcome(true, null);
          yield true;
        }
        default -> true;
      };
      if (!written) {
        cancel("conmanctl's output was closed");
        return new Outcome(true, null);
      }
      call.written(output);
    }
  }

  /** Leaves the container running: the daemon journals the disconnect. */
  void cancel(String why) {
    call.cancel(why);
  }
}
