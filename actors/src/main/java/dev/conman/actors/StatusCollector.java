package dev.conman.actors;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;

/**
 * Gathers the status of every container for one list: one short-lived actor and one timer, where
 * an ask per container cost a temporary actor, a future and a scheduled timeout each (a list of 50
 * took 7.5 ms of the daemon's CPU). A container that is gone meanwhile (deleted: its actor stops,
 * and the request to it goes nowhere) or does not answer in time is left out. The collector
 * watches each container's actor, so that a deleted one is left out at once instead of holding
 * the list up until the timeout (the ask timeout, 60 s by default).
 */
final class StatusCollector {

  private StatusCollector() {}

  sealed interface Message {}

  private record Answer(StatusReply<ContainerView> reply) implements Message {}

  /** The actor of container {@code id} has stopped. */
  private record Gone(String id) implements Message {}

  private enum Timeout implements Message { INSTANCE }

  /** Answers {@code replyTo} with the views, oldest container first, then stops. */
  static Behavior<Message> create(Map<String, ActorRef<ContainerActor.Command>> containers,
      ActorRef<List<ContainerView>> replyTo, Duration timeout) {
    return Behaviors.setup(ctx -> {
      if (containers.isEmpty()) {
        replyTo.tell(List.of());
        return Behaviors.stopped();
      }
      @SuppressWarnings("unchecked")
      Class<StatusReply<ContainerView>> replies = (Class<StatusReply<ContainerView>>) (Class<?>) StatusReply.class;
      ActorRef<StatusReply<ContainerView>> answers = ctx.messageAdapter(replies, Answer::new);
      containers.forEach((id, container) -> {
        // an actor that has stopped already is reported at once
        ctx.watchWith(container, new Gone(id));
        container.tell(new ContainerActor.GetStatus(answers));
      });
      return Behaviors.withTimers(timers -> {
        timers.startSingleTimer(Timeout.INSTANCE, timeout);
        return new Collecting(containers.size(), replyTo).behavior();
      });
    });
  }

  /**
   * What has come in so far. An actor that answers and then stops is reported twice (its answer
   * comes first): {@code answered} keeps it from being counted twice.
   */
  private static final class Collecting {
    private int awaited;
    private final List<ContainerView> views = new ArrayList<>();
    private final Set<String> answered = new HashSet<>();
    private final ActorRef<List<ContainerView>> replyTo;

    Collecting(int awaited, ActorRef<List<ContainerView>> replyTo) {
      this.awaited = awaited;
      this.replyTo = replyTo;
    }

    Behavior<Message> behavior() {
      return Behaviors.receive(Message.class)
          .onMessage(Answer.class, a -> {
            if (a.reply().isSuccess()) {
              views.add(a.reply().getValue());
              answered.add(a.reply().getValue().id());
            }
            return counted();
          })
          .onMessage(Gone.class, g -> answered.add(g.id()) ? counted() : Behaviors.same())
          .onMessage(Timeout.class, t -> finish())
          .build();
    }

    private Behavior<Message> counted() {
      awaited--;
      return awaited == 0 ? finish() : Behaviors.same();
    }

    private Behavior<Message> finish() {
      views.sort(Comparator.comparing(ContainerView::createdAt, Comparator.nullsLast(Comparator.naturalOrder())));
      replyTo.tell(List.copyOf(views));
      return Behaviors.stopped();
    }
  }
}
