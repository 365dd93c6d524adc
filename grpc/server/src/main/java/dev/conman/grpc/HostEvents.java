package dev.conman.grpc;

import dev.conman.actors.ImageJournal;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

/**
 * The journal of what happens on the host beside containers (images pulled and removed, volumes
 * created and removed): each event is durable before the call that caused it is answered.
 */
public final class HostEvents {

  private final ActorRef<ImageJournal.Record> journal;
  private final ContainerAsks containers;

  public HostEvents(ActorRef<ImageJournal.Record> journal, ContainerAsks containers) {
    this.journal = journal;
    this.containers = containers;
  }

  public CompletionStage<Done> record(ImageJournal.Event event) {
    return AskPattern.askWithStatus(journal, replyTo -> new ImageJournal.Record(event, replyTo), containers.timeout(),
        containers.scheduler());
  }
}
