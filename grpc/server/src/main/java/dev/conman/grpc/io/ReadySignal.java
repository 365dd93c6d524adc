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
}
