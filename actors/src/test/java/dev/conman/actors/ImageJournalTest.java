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

  @Test
  void aRestartReplaysFromTheLatestSnapshot() {
    // a system of its own: the journal's persistence id is fixed, and the other test counts its events
    ActorTestKit system = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseResources("conman-journal.conf")));
    try {
      EventSourcedBehaviorTestKit<ImageJournal.Record, ImageJournal.Event, ImageJournal.Count> kit =
          EventSourcedBehaviorTestKit.create(system.system(), ImageJournal.create(),
              EventSourcedBehaviorTestKit.enabledSerializationSettings().withVerifyCommands(false));
      int records = ContainerSupervisor.SNAPSHOT_EVERY + 5;
      for (int i = 0; i < records; i++) {
        ImageJournal.Event created = new ImageJournal.VolumeCreated("v" + i, Instant.now());
        assertTrue(kit.<StatusReply<Done>>runCommand(r -> new ImageJournal.Record(created, r)).reply().isSuccess());
      }
      var snapshots = org.apache.pekko.persistence.testkit.javadsl.SnapshotTestKit.create(system.system())
          .persistedInStorage(ImageJournal.PERSISTENCE_ID.id());
      assertEquals(1, snapshots.size(), snapshots::toString);
      assertEquals(records, kit.restart().state().events());
    } finally {
      system.shutdownTestKit();
    }
  }
}
