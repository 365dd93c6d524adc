package dev.conman.cli;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.IoServiceGrpc.IoServiceStub;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One streamed Exec call, bridged from gRPC's callbacks to conmanctl's blocking main thread: sends
 * {@code start}, copies the process's output to conmanctl's stdout and stderr as it arrives, and
 * returns the process's exit code once the daemon has sent it and completed the call.
 *
 * <p>Both directions are bounded. gRPC's callbacks only hand each output message over to the main
 * thread, which asks for the next one after writing it: a slow reader of conmanctl's stdout slows
 * the daemon down instead of filling conmanctl's memory. With stdin, a second thread copies it in
 * frames of up to {@link #STDIN_FRAME} bytes and sends each only when the call is ready (its
 * outbound flow-control window has room); at EOF it sends close_stdin. Without stdin, close_stdin
 * follows start at once. close_stdin is the last message, so the call is then half-closed.
 *
 * <p>{@link #interrupt} (Ctrl-C) cancels the call; the daemon then kills the process.
 */
final class ExecSession implements ClientResponseObserver<ExecInput, ExecOutput> {
  static final int STDIN_FRAME = 32 * 1024;

  /** The call's end as handed to the main thread; error is null when it completed. */
  private record Ended(Throwable error) {}

  /** ExecOutput or Ended; at most one of each, since the main thread asks for one at a time. */
  private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  /** Guards the outbound side of the call (onNext, onCompleted, cancel) and {@link #closed}. */
  private final Object sending = new Object();
  private final CountDownLatch finished = new CountDownLatch(1);
  private ClientCallStreamObserver<ExecInput> call;
  /** The call has ended or was cancelled: nothing more may be sent. Guarded by sending. */
  private boolean closed;
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
      io.exec(this);
      if (interrupted) {
        cancel("interrupted"); // Ctrl-C before the call existed
      }
      send(ExecInput.newBuilder().setStart(spec).build());
      startSent = true;
      if (stdin == null) {
        closeStdin();
      } else {
        Thread copier = new Thread(() -> copy(stdin), "conmanctl-stdin");
        // a read of a terminal cannot be interrupted: it must not keep conmanctl alive
        copier.setDaemon(true);
        copier.start();
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
    cancel("interrupted (Ctrl-C)");
    try {
      finished.await(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The client's terminal changed size (from the SIGWINCH handler); dropped once the call has ended. */
  void resize(dev.conman.api.v1.TerminalSize size) {
    if (!startSent) {
      return; // the size goes in start
    }
    try {
      send(ExecInput.newBuilder().setResize(size).build());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The main thread's loop: writes output as it arrives until the call ends. */
  private int output(Stdio stdio) throws InterruptedException {
    Integer exitCode = null;
    while (true) {
      Object next = arrivals.take();
      if (interrupted) {
        return ExitCodes.INTERRUPTED;
      }
      if (next instanceof Ended ended) {
        if (ended.error() != null) {
          throw ended.error() instanceof StatusRuntimeException e ? e
              : Status.fromThrowable(ended.error()).asRuntimeException();
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
        cancel("conmanctl's output was closed");
        return ExitCodes.OUTPUT_CLOSED;
      }
      call.request(1);
    }
  }

  /** The stdin thread: frames until EOF, then close_stdin; stops early if the call ends. */
  private void copy(InputStream stdin) {
    byte[] buffer = new byte[STDIN_FRAME];
    try {
      int n;
      while ((n = read(stdin, buffer)) >= 0) {
        if (n > 0 && !send(ExecInput.newBuilder()
            .setStdin(ByteString.copyFrom(buffer, 0, n)).build())) {
          return;
        }
      }
      closeStdin();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A failed read (a terminal hung up) ends stdin for the process, as EOF does. */
  private static int read(InputStream stdin, byte[] buffer) {
    try {
      return stdin.read(buffer);
    } catch (IOException e) {
      return -1;
    }
  }

  private void closeStdin() throws InterruptedException {
    if (send(ExecInput.newBuilder().setCloseStdin(true).build())) {
      synchronized (sending) {
        if (!closed) {
          call.onCompleted();
        }
      }
    }
  }

  /** Sends once the call is ready for it; false if the call has ended. */
  private boolean send(ExecInput input) throws InterruptedException {
    synchronized (sending) {
      while (!closed && !call.isReady()) {
        sending.wait();
      }
      if (closed) {
        return false;
      }
      call.onNext(input);
      return true;
    }
  }

  private void cancel(String why) {
    synchronized (sending) {
      if (call != null) {
        call.cancel(why, null); // no effect on a call that has ended or was cancelled already
      }
      closed = true;
      sending.notifyAll();
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<ExecInput> requestStream) {
    synchronized (sending) {
      call = requestStream;
    }
    requestStream.disableAutoRequestWithInitial(1);
    requestStream.setOnReadyHandler(() -> {
      synchronized (sending) {
        sending.notifyAll();
      }
    });
  }

  @Override
  public void onNext(ExecOutput output) {
    arrivals.add(output);
  }

  @Override
  public void onError(Throwable t) {
    end(new Ended(t));
  }

  @Override
  public void onCompleted() {
    end(new Ended(null));
  }

  private void end(Ended ended) {
    synchronized (sending) {
      closed = true;
      sending.notifyAll();
    }
    arrivals.add(ended);
  }
}
