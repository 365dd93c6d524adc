package dev.conman.bench;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.conman.journal.CborSerializable;
import dev.conman.journal.JournalSchema;
import dev.conman.journal.JournalSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * journal-direct: the daemon's journal as configured by conman-journal (the same plugin,
 * settings, SQLite URL, jackson-cbor serialization and tag), without runc or gRPC: N event-sourced
 * actors, each persisting one small event after the other (as a container actor does: the next
 * only once the previous is durable), on a fresh database in the work directory. Sustained
 * events/s over a window after a warm-up, and the persist latency (persist call to its callback).
 * 1 writer shows the per-write cost; 100 writers whether concurrent writes are batched.
 */
final class JournalDirect {

  /** About the size of a lifecycle event (id, time, a pid or reason). */
  public record BenchEvent(String container, long sequence, long at, String note) implements CborSerializable {}

  interface Cmd {}

  enum Next implements Cmd { INSTANCE }

  static final class Shared {
    final AtomicLong persisted = new AtomicLong();
    final ConcurrentLinkedQueue<Double> latencies = new ConcurrentLinkedQueue<>();
    volatile boolean running = true;
    volatile boolean measuring;
  }

  static final class Writer extends EventSourcedBehavior<Cmd, BenchEvent, Long> {
    private static final String NOTE = "x".repeat(40);
    private final ActorContext<Cmd> ctx;
    private final String id;
    private final Shared shared;
    private final Duration pause;

    Writer(ActorContext<Cmd> ctx, String id, Shared shared, Duration pause) {
      super(PersistenceId.ofUniqueId("bench|" + id));
      this.ctx = ctx;
      this.id = id;
      this.shared = shared;
      this.pause = pause;
    }

    @Override
    public Long emptyState() {
      return 0L;
    }

    @Override
    public CommandHandler<Cmd, BenchEvent, Long> commandHandler() {
      return newCommandHandlerBuilder().forAnyState().onCommand(Next.class, (state, cmd) -> {
        if (!shared.running) {
          return Effect().none();
        }
        long t0 = System.nanoTime();
        return Effect().persist(new BenchEvent(id, state + 1, System.currentTimeMillis(), NOTE)).thenRun(s -> {
          shared.persisted.incrementAndGet();
          if (shared.measuring) {
            shared.latencies.add((System.nanoTime() - t0) / 1e6);
          }
          if (pause.isZero()) {
            ctx.getSelf().tell(Next.INSTANCE);
          } else {
            ctx.scheduleOnce(pause, ctx.getSelf(), Next.INSTANCE);
          }
        });
      }).build();
    }

    @Override
    public EventHandler<Long, BenchEvent> eventHandler() {
      return newEventHandlerBuilder().forAnyState().onEvent(BenchEvent.class, (state, e) -> state + 1).build();
    }

    @Override
    public Set<String> tagsFor(BenchEvent event) {
      return Set.of(JournalSettings.CONTAINER_TAG);
    }
  }

  static void run(Ctx c) throws Exception {
    Duration window = Duration.ofSeconds(c.quick ? 3 : 6);
    Path db = c.work.resolve("journal-direct.db");
    JournalSchema.ensure(db);
    Config config = JournalSettings.withDatabase(ConfigFactory.parseString(
        "pekko.loglevel = WARNING\npekko.stdout-loglevel = WARNING\n"
            + "pekko.loggers = [\"org.apache.pekko.event.slf4j.Slf4jLogger\"]\n"
            + "pekko.logging-filter = \"org.apache.pekko.event.slf4j.Slf4jLoggingFilter\"\n")
        .withFallback(ConfigFactory.load()), db);
    // paced: one write every 20 ms, as in a one-shot where each write follows a runc call and
    // finds the journal's threads idle; back to back, they stay busy
    record Load(int writers, Duration pause) {}
    for (Load load : List.of(new Load(1, Duration.ofMillis(20)), new Load(1, Duration.ZERO), new Load(100, Duration.ZERO))) {
      int writers = load.writers();
      Shared shared = new Shared();
      String tag = c.run + "w" + writers + "p" + load.pause().toMillis() + "-";
      Behavior<Void> root = Behaviors.setup(ctx -> {
        for (int i = 0; i < writers; i++) {
          String id = tag + i;
          ctx.spawn(Behaviors.<Cmd>setup(wc -> new Writer(wc, id, shared, load.pause())), "w" + i).tell(Next.INSTANCE);
        }
        return Behaviors.empty();
      });
      ActorSystem<Void> system = ActorSystem.create(root, "journal-direct", config);
      try {
        Procs.sleep(1500);
        shared.measuring = true;
        long c0 = shared.persisted.get();
        long t0 = System.nanoTime();
        Procs.sleep(window.toMillis());
        long c1 = shared.persisted.get();
        long t1 = System.nanoTime();
        shared.measuring = false;
        shared.running = false;
        double rate = (c1 - c0) / ((t1 - t0) / 1e9);
        Stats lat = Stats.of(new ArrayList<>(shared.latencies));
        String who = writers + " writer" + (writers > 1 ? "s" : "")
            + (load.pause().isZero() ? "" : ", paced " + load.pause().toMillis() + " ms");
        c.report.add("journal-direct", who, Stats.single(rate), "ev/s",
            null, writers == 100 ? Target.min(5000, "ev/s") : null,
            "persist latency p50 " + Report.num(lat.median()) + " p99 " + Report.num(lat.p99()) + " ms");
      } finally {
        shared.running = false;
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
    }
  }
}
