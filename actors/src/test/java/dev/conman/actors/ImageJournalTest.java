package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class ImageJournalTest {

  private static final ActorTestKit KIT = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
      .withFallback(ConfigFactory.parseResources("conman-journal.conf")));

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
  }

  @Test
  void aRecordTheJournalRefusesIsAnsweredAtOnceAndTheNextOneIsJournaled() {
    EventSourcedBehaviorTestKit<ImageJournal.Record, ImageJournal.Event, ImageJournal.Count> kit =
        // a Record never leaves the daemon's JVM, so it is not checked for serialization; its events are
        EventSourcedBehaviorTestKit.create(KIT.system(), ImageJournal.create(),
            EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyCommands(false));
    ImageJournal.Event pulled = new ImageJournal.ImagePulled("localhost:5000/busybox:latest", "sha256:abc", "sha256:def",
        Instant.now());

    kit.persistenceTestKit().failNextPersisted();
    StatusReply<Done> refused = kit.<StatusReply<Done>>runCommand(r -> new ImageJournal.Record(pulled, r)).reply();
    ContainerException e = assertInstanceOf(ContainerException.class, refused.getError());
    assertEquals(ContainerException.Code.JOURNAL_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("sha256:abc"), e.getMessage());

    assertTrue(kit.<StatusReply<Done>>runCommand(r -> new ImageJournal.Record(pulled, r)).reply().isSuccess());
    assertEquals(1, kit.getState().events(), "only the journaled record counts");
  }
}
