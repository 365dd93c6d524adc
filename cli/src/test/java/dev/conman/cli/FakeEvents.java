package dev.conman.cli;

import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.HistoryResponse;
import dev.conman.api.v1.StatusAtRequest;
import dev.conman.api.v1.StatusAtResponse;
import dev.conman.api.v1.SubscribeRequest;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A stand-in for conmand's EventService in CLI tests, logging requests in the {@link FakeRuntime}
 * it is given. Subscribe sends {@link #past}, then completes, or (with follow) stays open for the
 * events the test pushes to {@link #follower()}, or ends with {@link #endWith} if the test set it.
 * History sends {@link #PAST} ("missing..." is NOT_FOUND). StatusAt answers RUNNING as of
 * sequence 2 for a time, EXITED with 7 as of the sequence asked for.
 */
final class FakeEvents extends EventServiceGrpc.EventServiceImplBase {
  /** Container "web" is created, started and exits with 7, at offsets 1 to 3. */
  static final List<Event> PAST = List.of(
      EventFormatTest.event(1, "created", 1).setPid(42).build(),
      EventFormatTest.event(2, "started", 2).setPid(42).build(),
      EventFormatTest.event(3, "exited", 3).setExitCode(7).build());

  private final FakeRuntime log;
  private final BlockingQueue<ServerCallStreamObserver<Event>> followers =
      new LinkedBlockingQueue<>();
  volatile List<Event> past = PAST;
  volatile Status endWith;

  FakeEvents(FakeRuntime log) {
    this.log = log;
  }

  /** The stream of the next following subscriber, once it has been sent the past events. */
  ServerCallStreamObserver<Event> follower() throws InterruptedException {
    return followers.poll(10, TimeUnit.SECONDS);
  }

  @Override
  public void subscribe(SubscribeRequest r, StreamObserver<Event> o) {
    log.record("subscribe", r);
    past.forEach(o::onNext);
    if (endWith != null) {
      o.onError(endWith.asRuntimeException());
    } else if (r.getFollow()) {
      followers.add((ServerCallStreamObserver<Event>) o);
    } else {
      o.onCompleted();
    }
  }

  @Override
  public void history(HistoryRequest r, StreamObserver<HistoryResponse> o) {
    log.answer("history", r, o, () -> {
      FakeRuntime.failFor(r.getRef(), "missing", Status.NOT_FOUND);
      return HistoryResponse.newBuilder().addAllEvents(PAST).build();
    });
  }

  @Override
  public void statusAt(StatusAtRequest r, StreamObserver<StatusAtResponse> o) {
    log.answer("statusAt", r, o, () -> {
      FakeRuntime.failFor(r.getRef(), "missing", Status.NOT_FOUND);
      return r.hasTime()
          ? StatusAtResponse.newBuilder().setSequence(2).setContainer(FakeRuntime
              .container(r.getRef(), ContainerState.CONTAINER_STATE_RUNNING).toBuilder()
              .setPid(42)).build()
          : StatusAtResponse.newBuilder().setSequence(r.getSequence()).setContainer(FakeRuntime
              .container(r.getRef(), ContainerState.CONTAINER_STATE_EXITED).toBuilder()
              .setExitCode(7)).build();
    });
  }
}
