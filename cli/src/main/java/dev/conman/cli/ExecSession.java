package dev.conman.cli;

import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.IoServiceGrpc.IoServiceStub;
import dev.conman.api.v1.TerminalSize;
import io.grpc.StatusRuntimeException;
import java.io.InputStream;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * One streamed Exec call, bridged from gRPC's callbacks to conmanctl's blocking main thread by a
 * {@link StreamedCall} (which bounds both directions): sends {@code start}, copies the process's
 * output to conmanctl's stdout and stderr as it arrives, and returns the process's exit code once
 * the daemon has sent it and completed the call.
 *
 * <p>With stdin, it is copied in frames and close_stdin follows at EOF; without, close_stdin
 * follows start at once. close_stdin is the last message, so the call is then half-closed.
 *
 * <p>{@link #interrupt} (Ctrl-C) cancels the call; the daemon then kills the process.
 */
final class ExecSession {

  private final StreamedCall<ExecInput, ExecOutput> call = new StreamedCall<>(
      stdin -> ExecInput.newBuilder().setStdin(stdin).build(),
      ExecInput.newBuilder().setCloseStdin(true).build(), true,
      o -> o.getStdout().size() + o.getStderr().size(), 0);
  private final CountDownLatch finished = new CountDownLatch(1);
  private volatile boolean interrupted;
  /** start has been sent: resizes may follow. */
  private volatile boolean startSent;

  /**
   * Runs the process to its end.
   *
   * @param stdin copied to the process, or null to close the process's stdin at once
   * @return the process's exit code; {@link ExitCodes#INTERRUPTED} after {@link #interrupt};
   *     {@link ExitCodes#OUTPUT_CLOSED} when conmanctl's stdout or stderr was closed
   * @throws StatusRuntimeException when the daemon failed the call
   * @throws CliException when the daemon ended the call without an exit code
   */
  int run(IoServiceStub io, ExecSpec spec, InputStream stdin, Stdio stdio)
      throws InterruptedException {
    try {
      io.exec(call);
      if (interrupted) {
        call.cancel("interrupted"); // Ctrl-C before the call existed
      }
      call.send(ExecInput.newBuilder().setStart(spec).build());
      startSent = true;
      if (stdin == null) {
        call.closeStdin();
      } else {
        call.sendStdin(stdin);
      }
      return output(stdio);
    } finally {
      finished.countDown();
    }
  }

  /**
   * Ctrl-C, from a shutdown hook: cancels the call and gives {@link #run} a moment to end, so that
   * the cancellation reaches the daemon before the JVM halts.
   */
  void interrupt() {
    interrupted = true;
    call.cancel("interrupted (Ctrl-C)");
    try {
      finished.await(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The client's terminal changed size (from the SIGWINCH handler); dropped once the call has ended. */
  void resize(TerminalSize size) {
    if (!startSent) {
      return; // the size goes in start
    }
    call.sendControl(ExecInput.newBuilder().setResize(size).build());
  }

  /** The main thread's loop: writes output as it arrives until the call ends. */
  private int output(Stdio stdio) throws InterruptedException {
    Integer exitCode = null;
    while (true) {
      Object next = call.take();
      if (interrupted) {
        return ExitCodes.INTERRUPTED;
      }
      if (next instanceof StreamedCall.Ended ended) {
        if (ended.error() != null) {
          throw ended.failure();
        }
        if (exitCode == null) {
          throw new CliException(ExitCodes.NO_CONTAINER_EXIT_CODE,
              "the daemon ended exec without the process's exit code");
        }
        return exitCode;
      }
      ExecOutput output = (ExecOutput) next;
      boolean written = switch (output.getOutputCase()) {
        case STDOUT -> stdio.write(false, output.getStdout());
        case STDERR -> stdio.write(true, output.getStderr());
        case EXIT_CODE -> {
          exitCode = output.getExitCode();
          yield true;
        }
        case OUTPUT_NOT_SET -> true; // a kind of output this conmanctl does not know yet
      };
      if (!written) {
        call.cancel("conmanctl's output was closed");
        return ExitCodes.OUTPUT_CLOSED;
      }
      call.written(output);
    }
  }
}
