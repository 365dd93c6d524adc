package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import dev.conman.journal.JournalFailure;
import dev.conman.journal.JournalSettings;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Journals what happens to images (pulled, removed) and named volumes (created, removed), so that
 * their events join the host's event stream and history. The image store and the volumes'
 * directories are the source of truth for what exists; this journal is their history.
 * Record -> ImagePulled | ImageRemoved | VolumeCreated | VolumeRemoved -> Done. (The class keeps
 * its first name: it is in the manifests of the events already journaled.)
 */
public final class ImageJournal
    extends EventSourcedBehaviorWithEnforcedReplies<ImageJournal.Record, ImageJournal.Event, ImageJournal.Count> {

  /** Journal {@code event}, then answer; an error at once when the journal refuses it. */
  public record Record(Event event, ActorRef<StatusReply<Done>> replyTo) implements CborSerializable, JournalWrites.Awaited {}

  public sealed interface Event extends CborSerializable {
    /** What the event is about, for messages: "image sha256:...", "volume data". */
    String subject();

    Instant at();
  }

  /** {@code reference} was pulled (or refreshed) and now names {@code imageId}. */
  public record ImagePulled(String reference, String imageId, String digest, Instant at) implements Event {
    @Override
    public String subject() {
      return "image " + imageId;
    }
  }

  /** Tags removed from {@code imageId}; {@code deleted} when the image itself is gone. */
  public record ImageRemoved(String reference, String imageId, List<String> untagged, boolean deleted, Instant at)
      implements Event {
    @Override
    public String subject() {
      return "image " + imageId;
    }
  }

  /** The named volume {@code name} was made, by VolumeService.CreateVolume or by a create that mounts it. */
  public record VolumeCreated(String name, Instant at) implements Event {
    @Override
    public String subject() {
      return "volume " + name;
    }
  }

  /** The named volume {@code name} was removed with its data. */
  public record VolumeRemoved(String name, Instant at) implements Event {
    @Override
    public String subject() {
      return "volume " + name;
    }
  }

  /** How many image events were journaled: this journal keeps no other state. */
  public record Count(long events) implements CborSerializable {}

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("images");

  public static Behavior<Record> create() {
    return Behaviors.setup(ImageJournal::new);
  }

  private final ActorContext<Record> ctx;
  /** Who waits for the journal write in flight: told at once when the journal refuses it. */
  private final JournalWrites<Record> journalWrites = new JournalWrites<>();

  private ImageJournal(ActorContext<Record> ctx) {
    super(PERSISTENCE_ID, SupervisorStrategy.restartWithBackoff(java.time.Duration.ofMillis(200),
        java.time.Duration.ofSeconds(5), 0.2));
    this.ctx = ctx;
  }

  @Override
  public Count emptyState() {
    return new Count(0);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(JournalSettings.CONTAINER_TAG);
  }

  /** As the supervisor's: the events stay, and a start replays at most 100 of them. */
  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(ContainerSupervisor.SNAPSHOT_EVERY, 2);
  }

  @Override
  public CommandHandlerWithReply<Record, Event, Count> commandHandler() {
    return (s, r) -> {
      journalWrites.handling(r);
      return Effect().persist(r.event()).thenReply(r.replyTo(), x -> StatusReply.success(Done.getInstance()));
    };
  }

  /** The journal refused a write (disk full, read-only): the caller hears so at once; Pekko restarts this actor. */
  @Override
  public SignalHandler<Count> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(JournalPersistFailed.class, (s, failed) -> journalWrites.refused(r -> ContainerException.journalUnavailable(
            r.event().subject() + " changed on the host, but the change is not in the event history",
            JournalFailure.explain(ctx.getSystem().settings().config(), failed.failure()))))
        .build();
  }

  @Override
  public EventHandler<Count, Event> eventHandler() {
    return (s, e) -> new Count(s.events() + 1);
  }
}
