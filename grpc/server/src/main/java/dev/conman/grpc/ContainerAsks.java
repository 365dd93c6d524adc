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
   * The status of every live container, oldest first: the supervisor has every one asked at once;
   * one that is gone meanwhile is left out, not an error.
   */
  public CompletionStage<java.util.List<dev.conman.actors.ContainerView>> all() {
    return AskPattern.<ContainerSupervisor.Command, java.util.List<dev.conman.actors.ContainerView>>ask(supervisor,
        replyTo -> new ContainerSupervisor.ListStatuses(timeout, replyTo), timeout.plusSeconds(1), scheduler);
  }

  /** The full id of the live container {@code ref} names. */
  public CompletionStage<String> resolve(String ref) {
    return AskPattern.askWithStatus(supervisor, replyTo -> new ContainerSupervisor.Resolve(ref, replyTo), timeout,
        scheduler);
  }
}
