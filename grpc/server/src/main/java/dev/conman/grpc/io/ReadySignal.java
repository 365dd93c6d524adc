package dev.conman.grpc.io;

import io.grpc.stub.ServerCallStreamObserver;

/**
 * Lets a thread that writes to a server stream wait until gRPC's flow control says the client can
 * take more. gRPC accepts the onReady handler only while the call is being set up, so create this
 * in the service method itself, before any asynchronous step.
 */
final class ReadySignal {

  private final ServerCallStreamObserver<?> out;

  ReadySignal(ServerCallStreamObserver<?> out) {
    this.out = out;
    out.setOnReadyHandler(this::wake);
  }

  private synchronized void wake() {
    notifyAll();
  }

  /** @return false when the call was cancelled instead */
  synchronized boolean await() throws InterruptedException {
    while (!out.isReady() && !out.isCancelled()) {
      wait(100);
    }
    return !out.isCancelled();
  }

  /** @return false when the call was cancelled, or the client was still not ready after {@code millis} */
  synchronized boolean await(long millis) throws InterruptedException {
    long deadline = System.nanoTime() + millis * 1_000_000;
    while (!out.isReady() && !out.isCancelled()) {
      long left = (deadline - System.nanoTime()) / 1_000_000;
      if (left <= 0) {
        return false;
      }
      wait(Math.min(left, 100));
    }
    return !out.isCancelled();
  }
}
