package dev.conman.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** conman's journal and snapshot store plugins on a real SQLite file, through event-sourced actors. */
class SqliteJournalTest {

  public record Added(String text) implements CborSerializable {}

  public record Texts(List<String> all) implements CborSerializable {}

  /** Add: persist each of {@code texts} (one atomic write); Get: the state. */
  public sealed interface Cmd extends CborSerializable {}

  public record Add(List<String> texts, ActorRef<String> replyTo) implements Cmd {}

  public record Get(ActorRef<Texts> replyTo) implements Cmd {}

  static Behavior<Cmd> keeper(String id, int snapshotEvery, ActorRef<String> failures) {
    return Behaviors.setup(ctx -> new EventSourcedBehavior<Cmd, Added, Texts>(PersistenceId.ofUniqueId(id)) {
      @Override
      public Texts emptyState() {
        return new Texts(List.of());
      }

      @Override
      public CommandHandler<Cmd, Added, Texts> commandHandler() {
        return newCommandHandlerBuilder().forAnyState()
            .onCommand(Add.class, (s, c) -> Effect().persist(c.texts().stream().map(Added::new).toList())
                .thenReply(c.replyTo(), x -> "ok"))
            .onCommand(Get.class, (s, c) -> Effect().reply(c.replyTo(), s))
            .build();
      }

      @Override
      public EventHandler<Texts, Added> eventHandler() {
        return newEventHandlerBuilder().forAnyState().onEvent(Added.class, (s, e) -> {
          List<String> all = new ArrayList<>(s.all());
          all.add(e.text());
          return new Texts(all);
        }).build();
      }

      @Override
      public Set<String> tagsFor(Added event) {
        return event.text().startsWith("t") ? Set.of("t", "all") : Set.of();
      }

      @Override
      public RetentionCriteria retentionCriteria() {
        return snapshotEvery > 0 ? RetentionCriteria.snapshotEvery(snapshotEvery, 1) : RetentionCriteria.disabled();
      }

      @Override
      public SignalHandler<Texts> signalHandler() {
        return newSignalHandlerBuilder()
            .onSignal(org.apache.pekko.persistence.typed.RecoveryFailed.class, (s, f) -> failures.tell("recovery: " + f.getFailure()))
            .build();
      }
    });
  }

  @TempDir Path dir;
  private Path db;
  private ActorTestKit kit;

  @BeforeEach
  void start() throws Exception {
    db = dir.resolve("journal.db");
    JournalSchema.ensure(db);
    kit = ActorTestKit.create(JournalSettings.withDatabase(ConfigFactory.load(), db));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  private String add(ActorRef<Cmd> keeper, String... texts) {
    TestProbe<String> reply = kit.createTestProbe();
    keeper.tell(new Add(List.of(texts), reply.getRef()));
    return reply.receiveMessage(Duration.ofSeconds(10));
  }

  private List<String> state(ActorRef<Cmd> keeper) {
    TestProbe<Texts> reply = kit.createTestProbe();
    keeper.tell(new Get(reply.getRef()));
    return reply.receiveMessage(Duration.ofSeconds(10)).all();
  }

  private ActorRef<Cmd> respawn(ActorRef<Cmd> old, String id, int snapshotEvery) {
    TestProbe<String> failures = kit.createTestProbe();
    if (old != null) {
      kit.stop(old);
    }
    return kit.spawn(keeper(id, snapshotEvery, failures.getRef()));
  }

  @Test
  void eventsAreDurableInPekkoJdbcsRowsAndReplayInOrder() throws Exception {
    ActorRef<Cmd> k = respawn(null, "k|1", 0);
    assertEquals("ok", add(k, "t-one"));
    assertEquals("ok", add(k, "t-two", "t-three"));
    k = respawn(k, "k|1", 0);
    assertEquals(List.of("t-one", "t-two", "t-three"), state(k));
    assertEquals("ok", add(k, "four"));
    assertEquals(List.of("t-one", "t-two", "t-three", "four"), state(respawn(k, "k|1", 0)));

    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(db))) {
      assertEquals(List.of("1", "2", "3", "4"), column(c, "SELECT sequence_number FROM event_journal"
          + " WHERE persistence_id = 'k|1' ORDER BY ordering"));
      assertEquals(List.of("1:all", "1:t", "2:all", "2:t", "3:all", "3:t"), column(c, "SELECT e.sequence_number || ':' || t.tag"
          + " FROM event_tag t JOIN event_journal e ON e.ordering = t.event_id ORDER BY e.sequence_number, t.tag"));
      assertTrue(Long.parseLong(column(c, "SELECT MIN(write_timestamp) FROM event_journal").get(0)) > 0);
    }
    try (JournalReader reader = new JournalReader(db, Adapter.toClassic(kit.system()))) {
      assertEquals(new Added("t-three"), reader.history("k|1", 10).get(2).event(), "the reader reads what the journal wrote");
    }
  }

  @Test
  void snapshotsAreSavedAndRecoveryStartsFromTheLatest() throws Exception {
    ActorRef<Cmd> k = respawn(null, "k|snap", 2);
    for (int i = 1; i <= 5; i++) {
      add(k, "e" + i);
    }
    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(db))) {
      // keepNSnapshots = 1: the older snapshot (at 2) is deleted once the one at 4 is saved
      kit.createTestProbe().awaitAssert(Duration.ofSeconds(5), () -> {
        try {
          assertEquals(List.of("4"), column(c, "SELECT sequence_number FROM snapshot WHERE persistence_id = 'k|snap'"));
        } catch (Exception e) {
          throw new AssertionError(e);
        }
        return null;
      });
    }
    assertEquals(List.of("e1", "e2", "e3", "e4", "e5"), state(respawn(k, "k|snap", 2)));
  }

  @Test
  void manyWritersAtOnceAreAllDurableEachInItsOrder() throws Exception {
    int writers = 50;
    List<ActorRef<Cmd>> keepers = new ArrayList<>();
    for (int i = 0; i < writers; i++) {
      keepers.add(respawn(null, "k|many-" + i, 0));
    }
    TestProbe<String> replies = kit.createTestProbe();
    for (int round = 0; round < 10; round++) {
      for (ActorRef<Cmd> k : keepers) {
        k.tell(new Add(List.of("r" + round), replies.getRef()));
      }
    }
    replies.receiveSeveralMessages(writers * 10, Duration.ofSeconds(30));
    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(db))) {
      assertEquals(List.of(String.valueOf(writers * 10)), column(c, "SELECT COUNT(*) FROM event_journal"));
    }
    assertEquals(List.of("r0", "r1", "r2", "r3", "r4", "r5", "r6", "r7", "r8", "r9"),
        state(respawn(keepers.get(7), "k|many-7", 0)));
  }

  @Test
  void aWriteThatFailsFailsAloneAndItsActorStops() throws Exception {
    ActorRef<Cmd> bad = respawn(null, "k|bad", 0);
    ActorRef<Cmd> good = respawn(null, "k|good", 0);
    add(bad, "one");
    // someone else took sequence number 2: the actor's next persist must fail, and only it
    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(db));
        PreparedStatement s = c.prepareStatement("INSERT INTO event_journal (persistence_id, sequence_number, writer,"
            + " write_timestamp, adapter_manifest, event_payload, event_ser_id, event_ser_manifest)"
            + " VALUES ('k|bad', 2, 'w', 1, '', x'00', 1, '')")) {
      s.executeUpdate();
    }
    TestProbe<String> badReply = kit.createTestProbe();
    TestProbe<String> goodReply = kit.createTestProbe();
    bad.tell(new Add(List.of("two"), badReply.getRef()));
    good.tell(new Add(List.of("fine"), goodReply.getRef()));
    assertEquals("ok", goodReply.receiveMessage(Duration.ofSeconds(10)));
    badReply.expectNoMessage(Duration.ofMillis(300));
    kit.createTestProbe().expectTerminated(bad, Duration.ofSeconds(5));
    assertEquals(List.of("fine"), state(respawn(good, "k|good", 0)));
  }

  @Test
  void aStoppedJournalLeavesOneSelfContainedFile() throws Exception {
    add(respawn(null, "k|wal", 0), "one");
    kit.shutdownTestKit();
    Path wal = Path.of(db + "-wal");
    assertTrue(java.nio.file.Files.notExists(wal) || java.nio.file.Files.size(wal) == 0,
        "the WAL was folded into the database file");
    try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db + "?journal_mode=DELETE")) {
      assertEquals(List.of("1"), column(c, "SELECT COUNT(*) FROM event_journal"));
    }
  }

  private static List<String> column(Connection c, String sql) throws Exception {
    List<String> values = new ArrayList<>();
    try (PreparedStatement s = c.prepareStatement(sql); ResultSet rs = s.executeQuery()) {
      while (rs.next()) {
        values.add(rs.getString(1));
      }
    }
    return values;
  }
}
