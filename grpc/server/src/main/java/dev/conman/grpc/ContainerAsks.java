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

  /** Sends {@code request} to the container {@code ref} names; fails with its ContainerException. */
  public <R> CompletionStage<R> forward(String ref, Function<ActorRef<StatusReply<R>>, ContainerActor.Request<R>> request,
      Duration timeout) {
    return AskPattern.<ContainerSupervisor.Command, R>askWithStatus(supervisor,
        replyTo -> new ContainerSupervisor.Forward(ref, request.apply(replyTo)), timeout, scheduler);
  }

  public <R> CompletionStage<R> forward(String ref, Function<ActorRef<StatusReply<R>>, ContainerActor.Request<R>> request) {
    return forward(ref, request, timeout);
  }

  /**
   * The status of every live container, oldest first: the supervisor lists its children, then every
   * child is asked at once; one that is gone meanwhile is left out, not an error.
   */
  public CompletionStage<java.util.List<dev.conman.actors.ContainerView>> all() {
    return AskPattern.<ContainerSupervisor.Command, java.util.List<ActorRef<ContainerActor.Command>>>ask(supervisor,
            ContainerSupervisor.ListContainers::new, timeout, scheduler)
        .thenCompose(children -> {
          java.util.List<java.util.concurrent.CompletableFuture<dev.conman.actors.ContainerView>> asks = children.stream()
              .map(child -> AskPattern.<ContainerActor.Command, dev.conman.actors.ContainerView>askWithStatus(child,
                      ContainerActor.GetStatus::new, timeout, scheduler)
                  .toCompletableFuture()
                  .exceptionally(e -> null))
              .toList();
          return java.util.concurrent.CompletableFuture.allOf(
                  asks.toArray(java.util.concurrent.CompletableFuture[]::new))
              .thenApply(done -> asks.stream()
                  .map(java.util.concurrent.CompletableFuture::join)
                  .filter(java.util.Objects::nonNull)
                  .sorted(java.util.Comparator.comparing(dev.conman.actors.ContainerView::createdAt))
                  .toList());
        });
  }

  /** The full id of the live container {@code ref} names. */
  public CompletionStage<String> resolve(String ref) {
    return AskPattern.askWithStatus(supervisor, replyTo -> new ContainerSupervisor.Resolve(ref, replyTo), timeout,
        scheduler);
  }
}
