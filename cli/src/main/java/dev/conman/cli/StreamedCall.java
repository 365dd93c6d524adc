package dev.conman.cli;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Function;

/**
 * The client side of a streamed call that carries stdin one way and output the other (Exec,
 * Attach), bridged from gRPC's callbacks to conmanctl's blocking main thread. {@link ExecSession}
 * and {@link AttachSession} say what their messages mean; this class moves them.
 *
 * <p>Both directions are bounded. gRPC's callbacks only hand each output message over to the main
 * thread ({@link #take}), which asks for the next one ({@link #requestNext}) after writing it: a
 * slow reader of conmanctl's stdout slows the daemon down instead of filling conmanctl's memory.
 * Every message out waits until the call is ready for it (its outbound flow-control window has
 * room); {@link #sendStdin} copies stdin in a second thread, in frames of up to
 * {@link #STDIN_FRAME} bytes, then close_stdin at EOF.
 *
 * @param <I> the messages to the daemon
 * @param <O> the messages from the daemon
 */
final class StreamedCall<I, O> implements ClientResponseObserver<I, O> {
  static final int STDIN_FRAME = 32 * 1024;

  /** The call's end as handed to the main thread; error is null when it completed. */
  record Ended(Throwable error) {

    /** The error as the daemon's status, for the caller to throw. */
    StatusRuntimeException failure() {
      return error instanceof StatusRuntimeException e ? e : Status.fromThrowable(error).asRuntimeException();
    }
  }

  private final Function<ByteString, I> stdinFrame;
  private final I closeStdin;
  private final boolean halfCloseWithStdin;
  /** O or Ended; at most one of each, since the main thread asks for one at a time. */
  private final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  /** Guards the outbound side of the call (onNext, onCompleted, cancel) and {@link #closed}. */
  private final Object sending = new Object();
  private ClientCallStreamObserver<I> call;
  /** The call has ended or was cancelled: nothing more may be sent. Guarded by sending. */
  private boolean closed;
  /** After close_stdin of an exec: a later message (a resize) would be illegal on the half-closed call. */
  private boolean halfClosed;

  /**
   * @param stdinFrame the message that carries a frame of stdin
   * @param closeStdin the message that ends stdin
   * @param halfCloseWithStdin whether closeStdin is the call's last message, so that the call is
   *     then half-closed too (exec); attach leaves the call open
   */
  StreamedCall(Function<ByteString, I> stdinFrame, I closeStdin, boolean halfCloseWithStdin) {
    this.stdinFrame = stdinFrame;
    this.closeStdin = closeStdin;
    this.halfCloseWithStdin = halfCloseWithStdin;
  }

  /** The next output message (an O) or the call's {@link Ended}; waits for it. */
  Object take() throws InterruptedException {
    return arrivals.take();
  }

  /** Puts back what {@link #take} returned, for the next take. */
  void putBack(Object arrival) {
    arrivals.add(arrival);
  }

  /** The main thread has written the last output message: the daemon may send the next. */
  void requestNext() {
    call.request(1);
  }

  /** Sends once the call is ready for it; false if the call has ended. */
  boolean send(I input) throws InterruptedException {
    synchronized (sending) {
      while (!closed && !halfClosed && !call.isReady()) {
        sending.wait();
      }
      if (closed || halfClosed) {
        return false;
      }
      call.onNext(input);
      return true;
    }
  }

  /** {@link #send} from a thread that is not to be interrupted: an interrupt drops the message. */
  void sendQuietly(I input) {
    try {
      send(input);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Copies {@code stdin} to the daemon in a daemon thread, then close_stdin at EOF. */
  void sendStdin(InputStream stdin) {
    Thread copier = new Thread(() -> copy(stdin), "conmanctl-stdin");
    // a read of a terminal cannot be interrupted: it must not keep conmanctl alive
    copier.setDaemon(true);
    copier.start();
  }

  /** Sends close_stdin (and half-closes the call when that is its last message). */
  void closeStdin() throws InterruptedException {
    if (send(closeStdin) && halfCloseWithStdin) {
      synchronized (sending) {
        if (!closed && !halfClosed) {
          halfClosed = true;
          call.onCompleted();
        }
      }
    }
  }

  /** Ends the call from this side; nothing more is sent. */
  void cancel(String why) {
    synchronized (sending) {
      if (call != null) {
        call.cancel(why, null); // no effect on a call that has ended or was cancelled already
      }
      closed = true;
      sending.notifyAll();
    }
  }

  /** The stdin thread: frames until EOF, then close_stdin; stops early if the call ends. */
  private void copy(InputStream stdin) {
    byte[] buffer = new byte[STDIN_FRAME];
    try {
      int n;
      while ((n = read(stdin, buffer)) >= 0) {
        if (n > 0 && !send(stdinFrame.apply(ByteString.copyFrom(buffer, 0, n)))) {
          return;
        }
      }
      closeStdin();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A failed read (a terminal hung up) ends stdin, as EOF does. */
  private static int read(InputStream stdin, byte[] buffer) {
    try {
      return stdin.read(buffer);
    } catch (IOException e) {
      return -1;
    }
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<I> requestStream) {
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
  public void onNext(O output) {
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
