package dev.conman.grpc;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;

/** Answers a unary call from an asynchronous result: the value, or the failure mapped to a status. */
public final class Responses {

  private Responses() {}

  public static <T> void respond(StreamObserver<T> out, CompletionStage<T> stage) {
    stage.whenComplete((value, failure) -> {
      if (failure != null) {
        out.onError(StatusMapper.toStatus(failure));
      } else {
        out.onNext(value);
        out.onCompleted();
      }
    });
  }

  /**
   * As {@link #respond(StreamObserver, CompletionStage)} for a call that may refuse the request
   * before anything asynchronous starts (validation throws), converting the value on the way.
   */
  public static <T, P> void respond(StreamObserver<P> out, Supplier<CompletionStage<T>> call, Function<T, P> toProto) {
    CompletionStage<T> stage;
    try {
      stage = call.get();
    } catch (RuntimeException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    respond(out, stage.thenApply(toProto));
  }
}
