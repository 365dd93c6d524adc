package dev.conman.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.Optional;
import org.apache.pekko.persistence.SelectedSnapshot;
import org.apache.pekko.persistence.SnapshotMetadata;
import org.apache.pekko.persistence.SnapshotSelectionCriteria;
import org.apache.pekko.persistence.snapshot.japi.SnapshotStore;
import scala.concurrent.Future;
import scala.jdk.javaapi.FutureConverters;

/**
 * conman's snapshot store: the {@code snapshot} table of {@link JournalSchema}, on the journal's own
 * connections ({@link SqliteDatabase}), so that snapshots never compete with events for the write lock.
 */
public final class SqliteSnapshotStore extends SnapshotStore {

  private static final String SELECTION = " WHERE \"persistence_id\" = ? AND \"sequence_number\" >= ?"
      + " AND \"sequence_number\" <= ? AND \"created\" >= ? AND \"created\" <= ?";
  private static final String LOAD = "SELECT \"sequence_number\", \"created\", \"snapshot_payload\","
      + " \"snapshot_ser_id\", \"snapshot_ser_manifest\" FROM \"snapshot\"" + SELECTION
      + " ORDER BY \"sequence_number\" DESC LIMIT 1";
  private static final String SAVE = "INSERT OR REPLACE INTO \"snapshot\" (\"persistence_id\", \"sequence_number\","
      + " \"created\", \"snapshot_payload\", \"snapshot_ser_id\", \"snapshot_ser_manifest\") VALUES (?, ?, ?, ?, ?, ?)";
  private static final String DELETE_ONE = "DELETE FROM \"snapshot\" WHERE \"persistence_id\" = ?"
      + " AND \"sequence_number\" = ?";
  private static final String DELETE_SELECTED = "DELETE FROM \"snapshot\"" + SELECTION;

  private final SqliteDatabase database;
  private final StoredPayloads payloads;

  public SqliteSnapshotStore() {
    this.database = SqliteDatabase.acquire(context().system());
    this.payloads = new StoredPayloads(context().system());
  }

  @Override
  public void postStop() {
    database.release();
  }

  @Override
  public Future<Optional<SelectedSnapshot>> doLoadAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return FutureConverters.asScala(database.read(c -> {
      PreparedStatement s = c.get(LOAD);
      select(s, persistenceId, criteria);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.<SelectedSnapshot>empty();
        }
        Object snapshot = payloads.deserialize(rs.getBytes(3), rs.getInt(4), rs.getString(5));
        return Optional.of(SelectedSnapshot.create(SnapshotMetadata.apply(persistenceId, rs.getLong(1),
            rs.getLong(2)), snapshot));
      }
    }));
  }

  @Override
  public Future<Void> doSaveAsync(SnapshotMetadata metadata, Object snapshot) {
    StoredPayloads.Serialized payload;
    try {
      payload = payloads.serialize(snapshot);
    } catch (RuntimeException e) {
      return org.apache.pekko.dispatch.Futures.failed(e);
    }
    return FutureConverters.asScala(database.write(c -> {
      PreparedStatement s = c.get(SAVE);
      s.setString(1, metadata.persistenceId());
      s.setLong(2, metadata.sequenceNr());
      s.setLong(3, metadata.timestamp());
      s.setBytes(4, payload.bytes());
      s.setInt(5, payload.serializerId());
      s.setString(6, payload.manifest());
      s.executeUpdate();
      return null;
    }));
  }

  @Override
  public Future<Void> doDeleteAsync(SnapshotMetadata metadata) {
    return FutureConverters.asScala(database.write(c -> {
      PreparedStatement s = c.get(DELETE_ONE);
      s.setString(1, metadata.persistenceId());
      s.setLong(2, metadata.sequenceNr());
      s.executeUpdate();
      return null;
    }));
  }

  @Override
  public Future<Void> doDeleteAsync(String persistenceId, SnapshotSelectionCriteria criteria) {
    return FutureConverters.asScala(database.write(c -> {
      PreparedStatement s = c.get(DELETE_SELECTED);
      select(s, persistenceId, criteria);
      s.executeUpdate();
      return null;
    }));
  }

  private static void select(PreparedStatement s, String persistenceId, SnapshotSelectionCriteria criteria)
      throws java.sql.SQLException {
    s.setString(1, persistenceId);
    s.setLong(2, criteria.minSequenceNr());
    s.setLong(3, criteria.maxSequenceNr());
    s.setLong(4, criteria.minTimestamp());
    s.setLong(5, criteria.maxTimestamp());
  }
}
