package dev.conman.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalPrunerTest {

  private static final Instant NOW = Instant.parse("2026-06-01T00:00:00Z");
  private static final Instant OLD = NOW.minusSeconds(40L * 86400);

  @TempDir Path dir;

  @Test
  void onlyTheHistoryOfEntitiesThatEndedBeforeTheCutoffGoes() throws Exception {
    Path db = dir.resolve("j.db");
    JournalSchema.ensure(db);
    insert(db, "container|old-deleted", OLD, "Created", "Deleted");
    insert(db, "container|new-deleted", NOW, "Created", "Deleted");
    insert(db, "container|old-running", OLD, "Created", "Started");
    insert(db, "supervisor", OLD, "Deleted");
    JournalPruner pruner = new JournalPruner(db, "container|%", List.of("Deleted"));

    assertEquals(2, pruner.pruneEndedBefore(NOW.minusSeconds(30L * 86400)));
    assertEquals(List.of("container|new-deleted", "container|old-running", "supervisor"), ids(db));
    assertEquals(0, pruner.pruneEndedBefore(NOW.minusSeconds(30L * 86400)), "idempotent");
  }

  private static void insert(Path db, String pid, Instant at, String... manifests) throws Exception {
    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(db));
        PreparedStatement s = c.prepareStatement("INSERT INTO event_journal (persistence_id, sequence_number, writer,"
            + " write_timestamp, adapter_manifest, event_payload, event_ser_id, event_ser_manifest)"
            + " VALUES (?, ?, 'w', ?, '', x'00', 1, ?)")) {
      for (int i = 0; i < manifests.length; i++) {
        s.setString(1, pid);
        s.setLong(2, i + 1);
        s.setLong(3, at.toEpochMilli());
        s.setString(4, manifests[i]);
        s.executeUpdate();
      }
    }
  }

  private static List<String> ids(Path db) throws Exception {
    List<String> ids = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(db));
        ResultSet r = c.createStatement().executeQuery(
            "SELECT DISTINCT persistence_id FROM event_journal ORDER BY persistence_id")) {
      while (r.next()) {
        ids.add(r.getString(1));
      }
    }
    return ids;
  }
}
