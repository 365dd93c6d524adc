package dev.conman.cli;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.BlockingDeque;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.function.Function;
import java.util.function.ToIntFunction;

/**
 * The client side of a streamed call that carries stdin one way and output the other (Exec,
 * Attach), bridged from gRPC's callbacks to conmanctl's blocking main thread. {@link ExecSession}
 * and {@link AttachSession} say what their messages mean; this class moves them.
 *
 * <p>Both directions are bounded. gRPC's callbacks only hand output messages over to the main
 * thread ({@link #take}), which says when it has written each ({@link #written}). Output is asked
 * for while at most {@code readAhead} bytes of it wait to be written: beyond that a slow reader of
 * conmanctl's stdout slows the daemon down instead of filling conmanctl's memory. Exec reads no
 * further ahead than one message (runc then waits for the reader); attach reads ahead, since the
 * container's output reaches every attached client through one conmon, which must not wait for
 * a reader that pauses (a pager): the daemon disconnects a client that takes nothing for 10 s.
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
  private final ToIntFunction<O> size;
  private final long readAhead;
  /** O messages, then the Ended. */
  private final BlockingDeque<Object> arrivals = new LinkedBlockingDeque<>();
  /** Guards {@link #unwritten} and {@link #paused}. */
  private final Object flow = new Object();
  /** Bytes of output received and not yet written. */
  private long unwritten;
  /** No message is asked for: the main thread must write some first. */
  private boolean paused;
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
   * @param size the bytes of output an O carries
   * @param readAhead bytes of output that may wait to be written while more is asked for
   */
  StreamedCall(Function<ByteString, I> stdinFrame, I closeStdin, boolean halfCloseWithStdin, ToIntFunction<O> size,
      long readAhead) {
    this.stdinFrame = stdinFrame;
    this.closeStdin = closeStdin;
    this.halfCloseWithStdin = halfCloseWithStdin;
    this.size = size;
    this.readAhead = readAhead;
  }

  /** The next output message (an O) or the call's {@link Ended}; waits for it. */
  Object take() throws InterruptedException {
    return arrivals.take();
  }

  /** Puts back what {@link #take} returned, for the next take, before anything that came since. */
  void putBack(Object arrival) {
    arrivals.addFirst(arrival);
  }

  /** The main thread has written {@code taken} (or dropped it): more output may be asked for. */
  @SuppressWarnings("unchecked")
  void written(Object taken) {
    synchronized (flow) {
      if (!(taken instanceof Ended)) {
        unwritten -= size.applyAsInt((O) taken);
      }
      if (paused && unwritten <= readAhead) {
        paused = false;
        call.request(1);
      }
    }
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

  /**
   * A small control message (a resize), sent at once: it needs no flow control, and a wait for the
   * call to be ready could last forever (see {@link #closeStdin}). Dropped once the call has ended.
   */
  void sendControl(I input) {
    synchronized (sending) {
      if (!closed && !halfClosed) {
        call.onNext(input);
      }
    }
  }

  /** Copies {@code stdin} to the daemon in a daemon thread, then close_stdin at EOF. */
  void sendStdin(InputStream stdin) {
    Thread copier = new Thread(() -> copy(stdin), "conmanctl-stdin");
    // a read of a terminal cannot be interrupted: it must not keep conmanctl alive
    copier.setDaemon(true);
    copier.start();
  }

  /**
   * Sends close_stdin (and half-closes the call when that is its last message), without waiting for
   * the call to be ready: a message this small needs no flow control, and waiting could deadlock.
   * When the process ends at once, the daemon may close the call first; the stream is then never
   * ready again, and the call's end is delivered only after the output that precedes it, which the
   * main thread, waiting here, would never have read.
   */
  void closeStdin() {
    synchronized (sending) {
      sendControl(closeStdin);
      if (halfCloseWithStdin && !closed && !halfClosed) {
        halfClosed = true;
        call.onCompleted();
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
    synchronized (flow) {
      arrivals.add(output);
      unwritten += size.applyAsInt(output);
      if (unwritten <= readAhead) {
        call.request(1);
      } else {
        paused = true;
      }
    }
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
