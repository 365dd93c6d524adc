package dev.conman.daemon;

import dev.conman.actors.ContainerActor;
import dev.conman.journal.JournalPruner;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Prunes the history of long-deleted containers, at start and every 6 hours; off when retention is 0. */
final class RetentionSchedule {

  private static final Logger log = LoggerFactory.getLogger(RetentionSchedule.class);
  private static final Duration EVERY = Duration.ofHours(6);

  private RetentionSchedule() {}

  static AutoCloseable start(Path database, Duration retention) {
    if (retention.isZero() || retention.isNegative()) {
      return () -> { };
    }
    JournalPruner pruner = new JournalPruner(database, ContainerActor.persistenceId("%").id(),
        List.of(ContainerActor.Deleted.class.getName(), ContainerActor.CreateFailed.class.getName()));
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "conman-retention");
      t.setDaemon(true);
      return t;
    });
    timer.scheduleWithFixedDelay(() -> {
      try {
        int removed = pruner.pruneEndedBefore(Instant.now().minus(retention));
        if (removed > 0) {
          log.info("retention: removed {} events of containers deleted more than {} ago", removed, retention);
        }
      } catch (Exception e) {
        log.warn("retention: pruning the journal failed: {}", e.getMessage());
      }
    }, 0, EVERY.toMinutes(), TimeUnit.MINUTES);
    return timer::shutdownNow;
  }
}
