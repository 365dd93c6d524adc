package dev.conman.it;

import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.SubscribeRequest;
import io.grpc.Context;
import io.grpc.ManagedChannel;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

/** A live subscriber to a daemon's events, collecting what it receives; cancelled on close. */
final class Follower implements AutoCloseable, StreamObserver<Event> {

  private final List<Event> events = new ArrayList<>();
  private final CountDownLatch ended = new CountDownLatch(1);
  private final Context.CancellableContext context = Context.current().withCancellation();
  private volatile Throwable error;

  /**
   * Follows everything journaled from now on. A follow without since starts at the end of the
   * journal when the daemon handles it, which may come after the caller's next requests (the call
   * is asynchronous): it would miss their first events. An offset read first cannot be overtaken.
   */
  static Follower fromNow(ManagedChannel channel, SubscribeRequest.Builder request) {
    java.util.Iterator<Event> all = EventServiceGrpc.newBlockingStub(channel)
        .subscribe(SubscribeRequest.newBuilder().setSinceOffset(0).build());
    long last = 0;
    while (all.hasNext()) {
      last = all.next().getOffset();
    }
    return start(channel, request.setSinceOffset(last).setFollow(true).build());
  }

  static Follower start(ManagedChannel channel, SubscribeRequest request) {
    Follower f = new Follower();
    f.context.run(() -> EventServiceGrpc.newStub(channel).subscribe(request, f));
    return f;
  }

  @Override
  public synchronized void onNext(Event e) {
    events.add(e);
    notifyAll();
  }

  @Override
  public void onError(Throwable t) {
    error = t;
    ended.countDown();
    synchronized (this) {
      notifyAll();
    }
  }

  @Override
  public void onCompleted() {
    ended.countDown();
    synchronized (this) {
      notifyAll();
    }
  }

  synchronized List<Event> events() {
    return List.copyOf(events);
  }

  /** Waits until {@code count} received events match {@code which}; returns all received so far. */
  synchronized List<Event> awaitMatching(Predicate<Event> which, int count, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (events.stream().filter(which).count() < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0 || error != null) {
        throw new AssertionError("received " + events.stream().filter(which).count() + " of " + count
            + " expected events" + (error == null ? "" : "; stream failed: " + error));
      }
      wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
    }
    return List.copyOf(events);
  }

  boolean awaitEnd(Duration timeout) throws InterruptedException {
    return ended.await(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  Throwable error() {
    return error;
  }

  @Override
  public void close() {
    context.cancel(null);
  }
}
