package dev.conman.grpc.events;

import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerView;
import dev.conman.journal.StoredEvent;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * A container's journaled events, which outlive its actor: what History and StatusAt read, and
 * how a wait for removal that arrives after the delete still learns how the container ended.
 */
public final class ContainerHistory {

  private final EventFeed feed;
  private final Function<String, Path> logPathOf;

  public ContainerHistory(EventFeed feed, Function<String, Path> logPathOf) {
    this.feed = feed;
    this.logPathOf = logPathOf;
  }

  /** The container's events up to sequence number {@code upTo}, in order; none for an unknown id. */
  public List<StoredEvent> events(String id, long upTo) {
    try {
      return feed.journal().history(ContainerActor.persistenceId(id).id(), upTo);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the journal: " + e.getMessage(), e);
    }
  }

  /** The status after {@code events}, as a client sees it. */
  public ContainerView status(String id, List<StoredEvent> events) {
    return ContainerActor.view(ContainerActor.replay(events.stream().map(e -> (ContainerActor.Event) e.event())
        .toList()), logPathOf.apply(id));
  }

  /** The last status of a deleted container; empty unless its journal ends with its delete. */
  public Optional<ContainerView> deleted(String id) {
    List<StoredEvent> events = events(id, Long.MAX_VALUE);
    if (events.isEmpty() || !(events.get(events.size() - 1).event() instanceof ContainerActor.Deleted)) {
      return Optional.empty();
    }
    return Optional.of(status(id, events));
  }
}
