package dev.conman.grpc.events;

import dev.conman.actors.ContainerActor;
import dev.conman.journal.JournalReader;
import dev.conman.journal.StoredEvent;
import java.sql.SQLException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Names and labels of containers by id, read from each container's first journaled event
 * (CreateRequested) and cached: events after the first carry only the id. Bounded, least recently
 * used first out.
 */
final class ContainerIdentities {

  private static final int MAX = 10_000;

  private final JournalReader journal;
  private final Map<String, ContainerIdentity> cache = new LinkedHashMap<>(256, 0.75f, true) {
    @Override
    protected boolean removeEldestEntry(Map.Entry<String, ContainerIdentity> eldest) {
      return size() > MAX;
    }
  };

  ContainerIdentities(JournalReader journal) {
    this.journal = journal;
  }

  synchronized ContainerIdentity of(String containerId) throws SQLException {
    ContainerIdentity known = cache.get(containerId);
    if (known != null) {
      return known;
    }
    List<StoredEvent> first = journal.history(ContainerActor.persistenceId(containerId).id(), 1);
    ContainerIdentity found = first.isEmpty() || !(first.get(0).event() instanceof ContainerActor.CreateRequested c)
        ? new ContainerIdentity("", Map.of())
        : new ContainerIdentity(c.spec().name(), c.spec().labels());
    cache.put(containerId, found);
    return found;
  }
}
