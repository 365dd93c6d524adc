package dev.conman.cli;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.AttachInput;
import dev.conman.api.v1.AttachOutput;
import dev.conman.api.v1.AttachSpec;
import dev.conman.api.v1.IoServiceGrpc.IoServiceStub;
import dev.conman.api.v1.TerminalSize;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * One Attach call, bridged to conmanctl's blocking main thread as {@link ExecSession} does for
 * exec: {@link #open} sends start and returns once the daemon is connected to the container (so
 * that run can start the container without losing its first output), {@link #run} copies output
 * until the container exits or the detach keys are typed. Output is asked for one message at a
 * time after writing the previous one; stdin is sent in frames only when the call is ready.
 */
final class AttachSession implements ClientResponseObserver<AttachInput, AttachOutput> {

  /** How the session ended: the container's exit code (null when unknown), or a detach. */
  record Outcome(boolean detached, Integer exitCode) {}

  private record Ended(Throwable error) {}

  private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  private final Object sending = new Object();
  private ClientCallStreamObserver<AttachInput> call;
  private boolean closed;

  /**
   * Starts the call and waits for the daemon's {@code attached}.
   *
   * @throws StatusRuntimeException the daemon's refusal (NOT_FOUND, FAILED_PRECONDITION, ...)
   */
  void open(IoServiceStub io, AttachSpec spec) throws InterruptedException {
    io.attach(this);
    send(AttachInput.newBuilder().setStart(spec).build());
    Object first = arrivals.take();
    if (first instanceof Ended ended) {
      throw failure(ended);
    }
    call.request(1);
    // anything else first is output of a newer daemon's protocol: it is written by run
    if (!(first instanceof AttachOutput o && o.hasAttached())) {
      arrivals.add(first);
    }
  }

  /** Copies {@code stdin} (null: none) to the container in a daemon thread, then close_stdin at EOF. */
  void sendStdin(InputStream stdin) {
    Thread copier = new Thread(() -> copy(stdin), "conmanctl-stdin");
    copier.setDaemon(true); // a read of a terminal cannot be interrupted
    copier.start();
  }

  void resize(TerminalSize size) {
    try {
      send(AttachInput.newBuilder().setResize(size).build());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Writes output until the call ends. */
  Outcome run(Stdio stdio) throws InterruptedException {
    Outcome outcome = null;
    while (true) {
      Object next = arrivals.take();
      if (next instanceof Ended ended) {
        if (ended.error() != null) {
          throw failure(ended);
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
      call.request(1);
    }
  }

  /** Leaves the container running: the daemon journals the disconnect. */
  void cancel(String why) {
    synchronized (sending) {
      if (call != null) {
        call.cancel(why, null);
      }
      closed = true;
      sending.notifyAll();
    }
  }

  private void copy(InputStream stdin) {
    byte[] buffer = new byte[ExecSession.STDIN_FRAME];
    try {
      int n;
      while ((n = read(stdin, buffer)) >= 0) {
        if (n > 0 && !send(AttachInput.newBuilder().setStdin(ByteString.copyFrom(buffer, 0, n)).build())) {
          return;
        }
      }
      send(AttachInput.newBuilder().setCloseStdin(true).build());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static int read(InputStream stdin, byte[] buffer) {
    try {
      return stdin.read(buffer);
    } catch (IOException e) {
      return -1;
    }
  }

  private boolean send(AttachInput input) throws InterruptedException {
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

  private static StatusRuntimeException failure(Ended ended) {
    return ended.error() instanceof StatusRuntimeException e ? e : Status.fromThrowable(ended.error()).asRuntimeException();
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<AttachInput> requestStream) {
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
  public void onNext(AttachOutput output) {
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
