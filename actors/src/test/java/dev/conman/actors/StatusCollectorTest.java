package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** One list's gathering of statuses, with stand-ins for the containers' actors. */
class StatusCollectorTest {

  private final ActorTestKit kit = ActorTestKit.create();

  @AfterEach
  void shutDown() {
    kit.shutdownTestKit();
  }

  @Test
  void aContainerWhoseActorHasStoppedIsLeftOutAtOnceNotAfterTheTimeout() {
    Map<String, ActorRef<ContainerActor.Command>> containers = new LinkedHashMap<>();
    containers.put("b", answering("b", Instant.parse("2026-11-29T10:00:02Z")));
    containers.put("deleted", kit.spawn(Behaviors.stopped()));
    containers.put("a", answeringThenStopping("a", Instant.parse("2026-11-29T10:00:01Z")));
    TestProbe<List<ContainerView>> replyTo = kit.createTestProbe();

    kit.spawn(StatusCollector.create(containers, replyTo.ref(), Duration.ofSeconds(60)));

    List<ContainerView> views = replyTo.expectMessageClass(List.class, Duration.ofSeconds(5));
    assertEquals(List.of("a", "b"), views.stream().map(ContainerView::id).toList(), "oldest first, the deleted one left out");
    replyTo.expectNoMessage(Duration.ofMillis(200));
  }

  @Test
  void aContainerThatDoesNotAnswerIsLeftOutAfterTheTimeout() {
    Map<String, ActorRef<ContainerActor.Command>> containers = new LinkedHashMap<>();
    containers.put("a", answering("a", Instant.parse("2026-11-29T10:00:01Z")));
    containers.put("silent", kit.spawn(Behaviors.ignore()));
    TestProbe<List<ContainerView>> replyTo = kit.createTestProbe();

    kit.spawn(StatusCollector.create(containers, replyTo.ref(), Duration.ofMillis(300)));

    List<ContainerView> views = replyTo.expectMessageClass(List.class, Duration.ofSeconds(5));
    assertEquals(List.of("a"), views.stream().map(ContainerView::id).toList());
  }

  private ActorRef<ContainerActor.Command> answering(String id, Instant created) {
    return kit.spawn(Behaviors.receiveMessage(c -> {
      ((ContainerActor.GetStatus) c).replyTo().tell(StatusReply.success(view(id, created)));
      return Behaviors.same();
    }));
  }

  /** Answers, then stops, as a container deleted right after it answered. */
  private ActorRef<ContainerActor.Command> answeringThenStopping(String id, Instant created) {
    return kit.spawn(Behaviors.receiveMessage(c -> {
      ((ContainerActor.GetStatus) c).replyTo().tell(StatusReply.success(view(id, created)));
      return Behaviors.stopped();
    }));
  }

  private static ContainerView view(String id, Instant created) {
    return new ContainerView(id, Phase.CREATED, null, 0, null, created, null, null, "", null, 0, false, null);
  }
}
