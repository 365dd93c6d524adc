package dev.conman.grpc.io;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.runc.ExecProcess;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.InputStream;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.function.Function;

/**
 * One streamed exec: copies the client's stdin frames to the process and the process's stdout and
 * stderr to the client, then sends the exit code. Output waits while the client is not ready
 * (flow control); stdin is requested one frame at a time, after the previous one was written, so
 * a process that does not read its stdin holds back the client, not the daemon's memory.
 */
final class ExecSession implements StreamObserver<ExecInput> {

  private final ServerCallStreamObserver<ExecOutput> out;
  private final ExecutorService pool;
  /** Starts the process for the first message's spec; completes with it, or fails with the refusal. */
  private final Function<dev.conman.api.v1.ExecSpec, CompletableFuture<ExecProcess>> launcher;
  private final java.util.function.IntConsumer onExit;
  private final ReadySignal ready;
  private volatile ExecProcess process;
  private volatile boolean started;
  /** The call was ended with an error: nothing more may be sent. Set under out's lock. */
  private volatile boolean failed;

  ExecSession(ServerCallStreamObserver<ExecOutput> out, ExecutorService pool,
      Function<dev.conman.api.v1.ExecSpec, CompletableFuture<ExecProcess>> launcher, java.util.function.IntConsumer onExit) {
    this.out = out;
    this.pool = pool;
    this.launcher = launcher;
    this.onExit = onExit;
    out.disableAutoRequest();
    this.ready = new ReadySignal(out);
    out.setOnCancelHandler(() -> {
      ExecProcess p = process;
      if (p != null) {
        p.kill();
      }
    });
    out.request(1);
  }

  @Override
  public void onNext(ExecInput input) {
    if (!started) {
      started = true;
      if (!input.hasStart()) {
        out.onError(Status.INVALID_ARGUMENT.withDescription("the first Exec message must carry start").asRuntimeException());
        return;
      }
      launcher.apply(input.getStart()).whenComplete((p, failure) -> {
        if (failure != null) {
          out.onError(dev.conman.grpc.StatusMapper.toStatus(failure));
          return;
        }
        process = p;
        pool.execute(this::runToExit);
        out.request(1);
      });
      return;
    }
    pool.execute(() -> {
      try {
        if (input.hasStdin()) {
          process.stdin().write(input.getStdin().toByteArray());
          process.stdin().flush();
        } else if (input.getCloseStdin()) {
          process.closeStdin();
        } else if (input.hasResize()) {
          process.resize(input.getResize().getRows(), input.getResize().getColumns());
        }
      } catch (IllegalArgumentException e) {
        fail(Status.INVALID_ARGUMENT.withDescription(e.getMessage()));
        return;
      } catch (IOException e) {
        // the process closed its stdin or ended: further input has nowhere to go
      }
      out.request(1);
    });
  }

  /** Ends the call with {@code status} and kills the process; its exit is still journaled. */
  private void fail(Status status) {
    synchronized (out) {
      if (failed || out.isCancelled()) {
        return;
      }
      failed = true;
      out.onError(status.asRuntimeException());
    }
    process.kill();
  }

  @Override
  public void onError(Throwable t) {
    ExecProcess p = process;
    if (p != null) {
      p.kill();
    }
  }

  @Override
  public void onCompleted() {
    ExecProcess p = process;
    if (p != null) {
      try {
        p.closeStdin();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  private void runToExit() {
    try {
      CompletableFuture<Void> stdout = CompletableFuture.runAsync(() -> copy(process.stdout(), true), pool);
      CompletableFuture<Void> stderr = CompletableFuture.runAsync(() -> copy(process.stderr(), false), pool);
      int code = process.waitFor();
      CompletableFuture.allOf(stdout, stderr).join();
      process.release();
      onExit.accept(code);
      synchronized (out) {
        if (!failed && !out.isCancelled()) {
          out.onNext(ExecOutput.newBuilder().setExitCode(code).build());
          out.onCompleted();
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.kill();
    }
  }

  /**
   * Copies output while the client takes it. Once the call has ended (cancelled, failed), the rest
   * is read and dropped: the process has been killed, and runc must be able to write out what it
   * still holds to finish.
   */
  private void copy(InputStream in, boolean isStdout) {
    byte[] chunk = new byte[32 * 1024];
    boolean discarding = false;
    try {
      int n;
      while ((n = in.read(chunk)) >= 0) {
        if (discarding) {
          continue;
        }
        ByteString data = ByteString.copyFrom(chunk, 0, n);
        if (!awaitReady()) {
          discarding = true;
          continue;
        }
        synchronized (out) {
          if (failed || out.isCancelled()) {
            discarding = true;
            continue;
          }
          out.onNext(isStdout ? ExecOutput.newBuilder().setStdout(data).build()
              : ExecOutput.newBuilder().setStderr(data).build());
        }
      }
    } catch (IOException e) {
      // the pipe closed with the process
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** @return false once the call has ended instead */
  private boolean awaitReady() throws InterruptedException {
    while (!failed) {
      if (ready.await(200)) {
        return true;
      }
      if (out.isCancelled()) {
        return false;
      }
    }
    return false;
  }
}
