package dev.conman.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import org.apache.pekko.persistence.journal.japi.AsyncWriteJournal;
import scala.concurrent.Future;
import scala.jdk.javaapi.CollectionConverters;
import scala.jdk.javaapi.FutureConverters;

/**
 * conman's journal plugin: events in the tables of pekko-persistence-jdbc's schema
 * ({@link JournalSchema}), written by {@link SqliteDatabase}'s one writer with group commit. The
 * rows are those pekko-persistence-jdbc wrote (the event serialized by its own serializer, tags in
 * {@code event_tag}), so {@link JournalReader}, {@link JournalPruner} and databases written before
 * are unchanged. A persist is acknowledged only once its transaction has committed.
 */
public final class SqliteJournal extends AsyncWriteJournal {

  private static final String INSERT = "INSERT INTO \"event_journal\" (\"deleted\", \"persistence_id\","
      + " \"sequence_number\", \"writer\", \"write_timestamp\", \"adapter_manifest\", \"event_payload\","
      + " \"event_ser_id\", \"event_ser_manifest\") VALUES (false, ?, ?, ?, ?, ?, ?, ?, ?)";
  private static final String LAST_ORDERING = "SELECT last_insert_rowid()";
  private static final String INSERT_TAG = "INSERT INTO \"event_tag\" (\"event_id\", \"tag\") VALUES (?, ?)";
  private static final String REPLAY = "SELECT \"sequence_number\", \"writer\", \"write_timestamp\","
      + " \"adapter_manifest\", \"event_payload\", \"event_ser_id\", \"event_ser_manifest\" FROM \"event_journal\""
      + " WHERE \"persistence_id\" = ? AND \"sequence_number\" >= ? AND \"sequence_number\" <= ? AND NOT \"deleted\""
      + " ORDER BY \"sequence_number\" LIMIT ?";
  private static final String HIGHEST = "SELECT MAX(\"sequence_number\") FROM \"event_journal\""
      + " WHERE \"persistence_id\" = ?";
  private static final String DELETE_TO = "UPDATE \"event_journal\" SET \"deleted\" = true"
      + " WHERE \"persistence_id\" = ? AND \"sequence_number\" <= ?";

  private final SqliteDatabase database;
  private final StoredPayloads payloads;

  public SqliteJournal() {
    this.database = SqliteDatabase.acquire(context().system());
    this.payloads = new StoredPayloads(context().system());
  }

  @Override
  public void postStop() {
    database.release();
  }

  /** An event as it goes into its row: serialized here, on the journal's actor, not on the writer. */
  private record Row(String persistenceId, long sequenceNr, String writer, long timestamp, String adapterManifest,
      StoredPayloads.Serialized payload, Set<String> tags) {}

  @Override
  public Future<Iterable<Optional<Exception>>> doAsyncWriteMessages(Iterable<AtomicWrite> messages) {
    List<List<Row>> writes = new ArrayList<>();
    long now = System.currentTimeMillis();
    try {
      for (AtomicWrite write : messages) {
        List<Row> rows = new ArrayList<>();
        for (PersistentRepr repr : CollectionConverters.asJava(write.payload())) {
          Object event = repr.payload();
          Set<String> tags = Set.of();
          if (event instanceof Tagged tagged) {
            event = tagged.payload();
            tags = CollectionConverters.asJava(tagged.tags());
          }
          rows.add(new Row(repr.persistenceId(), repr.sequenceNr(), repr.writerUuid(),
              repr.timestamp() > 0 ? repr.timestamp() : now, repr.manifest(), payloads.serialize(event), tags));
        }
        writes.add(rows);
      }
    } catch (RuntimeException e) {
      return org.apache.pekko.dispatch.Futures.failed(e);
    }
    // every AtomicWrite of the batch in one transaction: all or nothing
    CompletableFuture<Iterable<Optional<Exception>>> done = database.write(c -> {
      PreparedStatement insert = c.get(INSERT);
      PreparedStatement ordering = c.get(LAST_ORDERING);
      PreparedStatement tag = c.get(INSERT_TAG);
      List<Optional<Exception>> results = new ArrayList<>(writes.size());
      for (List<Row> rows : writes) {
        for (Row row : rows) {
          insert(insert, ordering, tag, row);
        }
        results.add(Optional.empty());
      }
      return results;
    });
    return FutureConverters.asScala(done);
  }

  private static void insert(PreparedStatement insert, PreparedStatement lastOrdering, PreparedStatement tag, Row row)
      throws SQLException {
    insert.setString(1, row.persistenceId());
    insert.setLong(2, row.sequenceNr());
    insert.setString(3, row.writer());
    insert.setLong(4, row.timestamp());
    insert.setString(5, row.adapterManifest());
    insert.setBytes(6, row.payload().bytes());
    insert.setInt(7, row.payload().serializerId());
    insert.setString(8, row.payload().manifest());
    insert.executeUpdate();
    if (row.tags().isEmpty()) {
      return;
    }
    long ordering;
    try (ResultSet keys = lastOrdering.executeQuery()) {
      if (!keys.next()) {
        throw new SQLException("SQLite gave no ordering for event " + row.sequenceNr() + " of " + row.persistenceId());
      }
      ordering = keys.getLong(1);
    }
    for (String t : row.tags()) {
      tag.setLong(1, ordering);
      tag.setString(2, t);
      tag.executeUpdate();
    }
  }

  @Override
  public Future<Void> doAsyncDeleteMessagesTo(String persistenceId, long toSequenceNr) {
    return FutureConverters.asScala(database.write(c -> {
      PreparedStatement s = c.get(DELETE_TO);
      s.setString(1, persistenceId);
      s.setLong(2, toSequenceNr);
      s.executeUpdate();
      return null;
    }));
  }

  @Override
  public Future<Void> doAsyncReplayMessages(String persistenceId, long fromSequenceNr, long toSequenceNr, long max,
      Consumer<PersistentRepr> replayCallback) {
    return FutureConverters.asScala(database.read(c -> {
      replay(c, persistenceId, fromSequenceNr, toSequenceNr, max, replayCallback);
      return null;
    }));
  }

  private void replay(SqliteDatabase.Statements c, String persistenceId, long from, long to, long max,
      Consumer<PersistentRepr> callback) throws SQLException {
    PreparedStatement s = c.get(REPLAY);
    s.setString(1, persistenceId);
    s.setLong(2, from);
    s.setLong(3, to);
    s.setLong(4, max);
    try (ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        Object event = payloads.deserialize(rs.getBytes(5), rs.getInt(6), rs.getString(7));
        callback.accept(PersistentRepr.apply(event, rs.getLong(1), persistenceId, rs.getString(4), false,
            ActorRef.noSender(), rs.getString(2)).withTimestamp(rs.getLong(3)));
      }
    }
  }

  @Override
  public Future<Long> doAsyncReadHighestSequenceNr(String persistenceId, long fromSequenceNr) {
    return FutureConverters.asScala(database.read(c -> {
      PreparedStatement s = c.get(HIGHEST);
      s.setString(1, persistenceId);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() ? rs.getLong(1) : 0L;
      }
    }));
  }
}
