package dev.conman.it;

import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A streamed call's output as a test sees it (Attach, Exec): what arrived, in order, with stdout
 * and stderr collected as text, and the call's end ("completed", or the error).
 *
 * @param <O> the daemon's output messages
 */
class CallRecorder<O> implements StreamObserver<O> {

  private static final Duration WAIT = Duration.ofSeconds(20);

  final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
  final StringBuilder stdout = new StringBuilder();
  final StringBuilder stderr = new StringBuilder();
  private final Function<O, ByteString> stdoutOf;
  private final Function<O, ByteString> stderrOf;

  /** @param stdoutOf, stderrOf what a message carries of that stream, or null when nothing */
  CallRecorder(Function<O, ByteString> stdoutOf, Function<O, ByteString> stderrOf) {
    this.stdoutOf = stdoutOf;
    this.stderrOf = stderrOf;
  }

  /** The status code of a call's end, which must be an error. */
  static Status.Code code(Object end) {
    if (end instanceof StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return fail("expected an error, got " + end);
  }

  /** The next message that is not output (collecting output into stdout and stderr), or the call's end. */
  Object next() throws InterruptedException {
    while (true) {
      Object o = arrivals.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
      if (o == null) {
        return fail("nothing arrived within " + WAIT.toSeconds() + " s; output so far: " + stdout);
      }
      if (!collected(o)) {
        return o;
      }
    }
  }

  /** Waits until the output contains {@code text}; anything but output meanwhile fails. */
  void awaitOutput(String text) throws InterruptedException {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (!stdout.toString().contains(text)) {
      Object o = arrivals.poll(100, TimeUnit.MILLISECONDS);
      if (o != null && !collected(o)) {
        fail("waiting for '" + text + "', got " + o + " after output " + stdout);
      }
      if (System.nanoTime() > deadline) {
        fail("no '" + text + "' in the output within " + WAIT.toSeconds() + " s: " + stdout);
      }
    }
  }

  /** Appends {@code arrival} to stdout or stderr if it is output of one; whether it was. */
  @SuppressWarnings("unchecked")
  private boolean collected(Object arrival) {
    if (arrival instanceof Throwable || arrival instanceof String) {
      return false;
    }
    ByteString out = stdoutOf.apply((O) arrival);
    if (out != null) {
      stdout.append(out.toStringUtf8());
      return true;
    }
    ByteString err = stderrOf.apply((O) arrival);
    if (err != null) {
      stderr.append(err.toStringUtf8());
      return true;
    }
    return false;
  }

  @Override
  public void onNext(O value) {
    arrivals.add(value);
  }

  @Override
  public void onError(Throwable t) {
    arrivals.add(t);
  }

  @Override
  public void onCompleted() {
    arrivals.add("completed");
  }
}
