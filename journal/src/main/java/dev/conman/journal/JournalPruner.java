package dev.conman.journal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;

/**
 * Retention: removes the whole history of entities whose last event is terminal (a deleted
 * container) and older than a cut-off. Live containers and recently deleted ones are never touched,
 * so nothing a running daemon replays is lost. Offsets of removed events are never reused
 * (AUTOINCREMENT), so a subscriber resuming from one simply continues after it.
 */
public final class JournalPruner {

  private static final String TERMINAL_AND_OLD = """
      SELECT e."persistence_id" FROM "event_journal" e
      WHERE e."persistence_id" LIKE ? AND e."event_ser_manifest" IN (%s) AND e."write_timestamp" < ?
        AND e."sequence_number" = (SELECT MAX(m."sequence_number") FROM "event_journal" m
                                   WHERE m."persistence_id" = e."persistence_id")
      """;

  private final Path database;
  private final String persistenceIdPattern;
  private final List<String> terminalManifests;

  /**
   * @param persistenceIdPattern which entities may be pruned, as an SQL LIKE pattern ({@code container|%})
   * @param terminalManifests    serializer manifests of the events after which an entity is gone for good
   */
  public JournalPruner(Path database, String persistenceIdPattern, List<String> terminalManifests) {
    this.database = database;
    this.persistenceIdPattern = persistenceIdPattern;
    this.terminalManifests = List.copyOf(terminalManifests);
  }

  /** @return how many events were removed */
  public int pruneEndedBefore(Instant cutoff) throws SQLException {
    String placeholders = String.join(", ", terminalManifests.stream().map(m -> "?").toList());
    String select = TERMINAL_AND_OLD.formatted(placeholders);
    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(database))) {
      c.setAutoCommit(false);
      int removed;
      try (PreparedStatement events = c.prepareStatement(
              "DELETE FROM \"event_journal\" WHERE \"persistence_id\" IN (" + select + ")");
          PreparedStatement snapshots = c.prepareStatement(
              "DELETE FROM \"snapshot\" WHERE \"persistence_id\" IN (" + select + ")")) {
        // snapshots first: their selection needs the events still there
        bind(snapshots, cutoff);
        snapshots.executeUpdate();
        bind(events, cutoff);
        removed = events.executeUpdate();
      }
      c.commit();
      return removed;
    }
  }

  private void bind(PreparedStatement s, Instant cutoff) throws SQLException {
    int i = 1;
    s.setString(i++, persistenceIdPattern);
    for (String manifest : terminalManifests) {
      s.setString(i++, manifest);
    }
    s.setLong(i, cutoff.toEpochMilli());
  }
}
