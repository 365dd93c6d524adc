package dev.conman.journal;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.AbstractActor;
import org.apache.pekko.actor.ActorRef;
import org.apache.pekko.persistence.AtomicWrite;
import org.apache.pekko.persistence.DeleteMessagesFailure;
import org.apache.pekko.persistence.DeleteMessagesSuccess;
import org.apache.pekko.persistence.JournalProtocol.DeleteMessagesTo;
import org.apache.pekko.persistence.JournalProtocol.LoopMessageSuccess;
import org.apache.pekko.persistence.JournalProtocol.RecoverySuccess;
import org.apache.pekko.persistence.JournalProtocol.ReplayMessages;
import org.apache.pekko.persistence.JournalProtocol.ReplayMessagesFailure;
import org.apache.pekko.persistence.JournalProtocol.ReplayedMessage;
import org.apache.pekko.persistence.JournalProtocol.WriteMessageFailure;
import org.apache.pekko.persistence.JournalProtocol.WriteMessageRejected;
import org.apache.pekko.persistence.JournalProtocol.WriteMessageSuccess;
import org.apache.pekko.persistence.JournalProtocol.WriteMessages;
import org.apache.pekko.persistence.JournalProtocol.WriteMessagesFailed;
import org.apache.pekko.persistence.JournalProtocol.WriteMessagesSuccessful$;
import org.apache.pekko.persistence.NonPersistentRepr;
import org.apache.pekko.persistence.PersistentEnvelope;
import org.apache.pekko.persistence.PersistentRepr;
import org.apache.pekko.persistence.journal.Tagged;
import scala.jdk.javaapi.CollectionConverters;

/**
 * conman's journal plugin: events in the tables of pekko-persistence-jdbc's schema
 * ({@link JournalSchema}), committed through {@link SqliteDatabase}'s one write connection. The
 * rows are those pekko-persistence-jdbc wrote (the event serialized by its own serializer, tags in
 * {@code event_tag}), so {@link JournalReader}, {@link JournalPruner} and databases written before
 * are unchanged. A persist is acknowledged only once its transaction has committed.
 *
 * <p>It answers Pekko's journal protocol itself instead of extending {@code AsyncWriteJournal}.
 * There, a commit's acknowledgement went from the writer thread through a future callback, a
 * circuit breaker and a resequencing actor before it reached the persistent actor, each a hand-off
 * between idle threads: an idle persist took 1.35 ms against 0.35 ms for its SQLite transaction.
 * Here the journal actor commits on the thread that runs it and answers the persistent actor from
 * there (on the default dispatcher, see conman-journal.conf, often the persistent actor's own thread).
 * What {@code AsyncWriteJournal} added and conman does not need: the replay filter (for two live
 * incarnations writing one persistence id; the daemon runs each actor once) and the breaker (a
 * failed SQLite call fails at once; it does not hang).
 *
 * <p>Group commit: the write requests waiting in the actor's mailbox are read first and commit in
 * one transaction ({@link Flush}); an idle journal commits a lone write at once.
 *
 * <p>The order of answers is the protocol's: to each write request, {@code WriteMessagesSuccessful}
 * (or {@code WriteMessagesFailed}) first, then one answer per event in order; requests commit and
 * are answered in the order they arrived.
 */
public final class SqliteJournal extends AbstractActor {

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

  @Override
  public Receive createReceive() {
    return receiveBuilder()
        .match(WriteMessages.class, this::write)
        .matchEquals(Flush.INSTANCE, f -> flush())
        .match(ReplayMessages.class, this::replay)
        .match(DeleteMessagesTo.class, this::delete)
        .build();
  }

  /** An event as it goes into its row: serialized when the request arrives, before its transaction. */
  private record Row(String persistenceId, long sequenceNr, String writer, long timestamp, String adapterManifest,
      StoredPayloads.Serialized payload, Set<String> tags) {}

  /**
   * One AtomicWrite (all of its events or none), or a deferred message that only loops back; a
   * write whose event cannot be serialized is rejected alone and the persistent actor decides.
   */
  private record Entry(PersistentEnvelope envelope, List<Row> rows, RuntimeException rejected) {}

  /** Sent to itself after the first write of a batch: the writes received until then commit together. */
  private enum Flush { INSTANCE }

  /** A write request with its events serialized, waiting for the batch's transaction. */
  private record Pending(WriteMessages request, List<Entry> entries) {}

  private final List<Pending> batch = new ArrayList<>();

  private void write(WriteMessages request) {
    long now = System.currentTimeMillis();
    List<Entry> entries = new ArrayList<>();
    for (PersistentEnvelope envelope : CollectionConverters.asJava(request.messages())) {
      entries.add(envelope instanceof AtomicWrite write ? rows(write, now) : new Entry(envelope, List.of(), null));
    }
    batch.add(new Pending(request, entries));
    if (batch.size() == 1) {
      // behind every write already in the mailbox: an idle journal flushes at once, on this thread
      self().tell(Flush.INSTANCE, ActorRef.noSender());
    }
  }

  /**
   * Commits the batch: each request is one unit of work (its events all or none), and the requests
   * commit in one transaction; a request that fails is retried alone and fails alone.
   */
  private void flush() {
    List<Pending> requests = List.copyOf(batch);
    batch.clear();
    List<SqliteDatabase.Work<Void>> works = new ArrayList<>(requests.size());
    for (Pending pending : requests) {
      works.add(c -> {
        PreparedStatement insert = c.get(INSERT);
        PreparedStatement ordering = c.get(LAST_ORDERING);
        PreparedStatement tag = c.get(INSERT_TAG);
        for (Entry entry : pending.entries()) {
          for (Row row : entry.rows()) {
            insert(insert, ordering, tag, row);
          }
        }
        return null;
      });
    }
    ActorRef journal = self();
    List<CompletableFuture<Void>> done = database.writeAll(works);
    for (int i = 0; i < requests.size(); i++) {
      Pending pending = requests.get(i);
      done.get(i).whenComplete((ignored, failure) -> answerWrite(pending.request(), pending.entries(),
          failure == null ? null : cause(failure), journal));
    }
  }

  private Entry rows(AtomicWrite write, long now) {
    List<Row> rows = new ArrayList<>();
    try {
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
    } catch (RuntimeException e) {
      return new Entry(write, List.of(), e);
    }
    return new Entry(write, rows, null);
  }

  /** Runs on the thread that committed the write, right after the commit. */
  private static void answerWrite(WriteMessages request, List<Entry> entries, Throwable failure, ActorRef journal) {
    ActorRef actor = request.persistentActor();
    int instance = request.actorInstanceId();
    if (failure == null) {
      actor.tell(WriteMessagesSuccessful$.MODULE$, journal);
    } else {
      actor.tell(new WriteMessagesFailed(failure, (int) entries.stream().filter(e -> e.envelope() instanceof AtomicWrite)
          .count()), journal);
    }
    for (Entry entry : entries) {
      if (entry.envelope() instanceof NonPersistentRepr loop) {
        actor.tell(new LoopMessageSuccess(loop.payload(), instance), loop.sender());
        continue;
      }
      for (PersistentRepr repr : CollectionConverters.asJava(((AtomicWrite) entry.envelope()).payload())) {
        Object answer;
        if (entry.rejected() != null) {
          answer = new WriteMessageRejected(repr, entry.rejected(), instance);
        } else if (failure != null) {
          answer = new WriteMessageFailure(repr, failure, instance);
        } else {
          answer = new WriteMessageSuccess(repr, instance);
        }
        actor.tell(answer, repr.sender());
      }
    }
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

  /**
   * The highest sequence number (of deleted events too: numbers are never reused) and the events
   * up to it, in one read; the reader thread sends each event to the actor as it reads it.
   */
  private void replay(ReplayMessages request) {
    ActorRef actor = request.persistentActor();
    ActorRef journal = self();
    String persistenceId = request.persistenceId();
    database.read(c -> {
      long highest = highest(c, persistenceId);
      long to = Math.min(request.toSequenceNr(), highest);
      if (to > 0 && request.fromSequenceNr() <= to) {
        PreparedStatement s = c.get(REPLAY);
        s.setString(1, persistenceId);
        s.setLong(2, request.fromSequenceNr());
        s.setLong(3, to);
        s.setLong(4, request.max());
        try (ResultSet rs = s.executeQuery()) {
          while (rs.next()) {
            Object event = payloads.deserialize(rs.getBytes(5), rs.getInt(6), rs.getString(7));
            actor.tell(new ReplayedMessage(PersistentRepr.apply(event, rs.getLong(1), persistenceId, rs.getString(4),
                false, ActorRef.noSender(), rs.getString(2)).withTimestamp(rs.getLong(3))), ActorRef.noSender());
          }
        }
      }
      return highest;
    }).whenComplete((highest, failure) -> actor.tell(failure == null ? new RecoverySuccess(highest)
        : new ReplayMessagesFailure(cause(failure)), journal));
  }

  private static long highest(SqliteDatabase.Statements c, String persistenceId) throws SQLException {
    PreparedStatement s = c.get(HIGHEST);
    s.setString(1, persistenceId);
    try (ResultSet rs = s.executeQuery()) {
      return rs.next() ? rs.getLong(1) : 0L;
    }
  }

  private void delete(DeleteMessagesTo request) {
    ActorRef actor = request.persistentActor();
    ActorRef journal = self();
    long to = request.toSequenceNr();
    database.write(c -> {
      PreparedStatement s = c.get(DELETE_TO);
      s.setString(1, request.persistenceId());
      s.setLong(2, to);
      s.executeUpdate();
      return null;
    }).whenComplete((ignored, failure) -> actor.tell(failure == null ? new DeleteMessagesSuccess(to)
        : new DeleteMessagesFailure(cause(failure), to), journal));
  }

  static Throwable cause(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
  }
}
