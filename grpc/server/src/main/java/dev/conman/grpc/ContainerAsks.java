package dev.conman.grpc;

import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerSupervisor;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.pattern.StatusReply;

/** How the API layer asks a container something: through the supervisor, which resolves the ref. */
public final class ContainerAsks {

  /**
   * The timeout of an ask that has no bound of its own, such as a wait for a container's end: the
   * client's cancel or deadline ends it. Close to the longest delay Pekko's scheduler accepts
   * (about 248 days).
   */
  public static final Duration UNBOUNDED = Duration.ofDays(200);

  private final ActorRef<ContainerSupervisor.Command> supervisor;
  private final Scheduler scheduler;
  private final Duration timeout;

  public ContainerAsks(ActorRef<ContainerSupervisor.Command> supervisor, Scheduler scheduler, Duration timeout) {
    this.supervisor = supervisor;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  /** The default ask timeout (conman.ask-timeout). */
  public Duration timeout() {
    return timeout;
  }

  public ActorRef<ContainerSupervisor.Command> supervisor() {
    return supervisor;
  }

  public Scheduler scheduler() {
    return scheduler;
  }

  /**
   * Sends {@code request} to the container {@code ref} names; fails with its ContainerException.
   * The answer arrives {@link #inPlace in place}: what callers chain on it must not block.
   */
  public <R> CompletionStage<R> forward(String ref, Function<ActorRef<StatusReply<R>>, ContainerActor.Request<R>> request,
      Duration timeout) {
    return inPlace(AskPattern.<ContainerSupervisor.Command, R>askWithStatus(supervisor,
        replyTo -> new ContainerSupervisor.Forward(ref, request.apply(replyTo)), timeout, scheduler));
  }

  /**
   * The answer of an ask, as a stage whose dependents run on the thread that answers (an actor's),
   * not on another. Pekko's asks answer through Scala's CompletionStage, which hands even
   * {@code thenApply} and {@code whenComplete} to the common pool: one more thread switch per call
   * for what is a conversion to protobuf and a write to the call. Only for answers whose
   * dependents are that short: blocking work belongs on an executor of its own.
   */
  public static <T> CompletionStage<T> inPlace(CompletionStage<T> ask) {
    java.util.concurrent.CompletableFuture<T> answer = new java.util.concurrent.CompletableFuture<>();
    ask.whenCompleteAsync((value, failure) -> {
      if (failure != null) {
        answer.completeExceptionally(failure);
      } else {
        answer.complete(value);
      }
    }, Runnable::run);
    return answer;
  }

  public <R> CompletionStage<R> forward(String ref, Function<ActorRef<StatusReply<R>>, ContainerActor.Request<R>> request) {
    return forward(ref, request, timeout);
  }

  /**
   * The status of every live container, oldest first: the supervisor has every one asked at once;
   * one that is gone meanwhile is left out, not an error. Answered {@link #inPlace in place}.
   */
  public CompletionStage<java.util.List<dev.conman.actors.ContainerView>> all() {
    return inPlace(AskPattern.<ContainerSupervisor.Command, java.util.List<dev.conman.actors.ContainerView>>ask(
        supervisor, replyTo -> new ContainerSupervisor.ListStatuses(timeout, replyTo), timeout.plusSeconds(1), scheduler));
  }

  /**
   * The full id of the live container {@code ref} names. Not in place: callers read the journal
   * in what they chain on it.
   */
  public CompletionStage<String> resolve(String ref) {
    return AskPattern.askWithStatus(supervisor, replyTo -> new ContainerSupervisor.Resolve(ref, replyTo), timeout,
        scheduler);
  }
}
