package dev.conman.grpc.events;

import dev.conman.journal.JournalReader;
import java.sql.SQLException;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Watches the end of the journal and wakes the live subscriptions when it moves. Each subscription
 * is a cursor that reads the journal itself, so the feed holds no events: a slow subscriber costs
 * no memory, it only lags (and is ended past {@code maxLag}).
 *
 * <p>The journal is looked at every {@code pollInterval} while someone follows: one indexed
 * {@code MAX(ordering)} query, microseconds; nothing at all when nobody follows.
 */
public final class EventFeed implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(EventFeed.class);

  private final JournalReader journal;
  private final ContainerIdentities identities;
  private final long maxLag;
  private final Set<Subscription> following = ConcurrentHashMap.newKeySet();
  private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(
      daemonThreads("conman-event-poller"));
  /** Runs the subscriptions' reads and sends: journal reads never happen on gRPC's event loop. */
  private final ExecutorService pumps = Executors.newFixedThreadPool(2, daemonThreads("conman-event-pump"));
  private volatile long end;

  public EventFeed(JournalReader journal, Duration pollInterval, long maxLag) throws SQLException {
    this.journal = journal;
    this.identities = new ContainerIdentities(journal);
    this.maxLag = maxLag;
    this.end = journal.lastOffset();
    poller.scheduleWithFixedDelay(this::poll, pollInterval.toMillis(), pollInterval.toMillis(), TimeUnit.MILLISECONDS);
  }

  JournalReader journal() {
    return journal;
  }

  ContainerIdentities identities() {
    return identities;
  }

  long maxLag() {
    return maxLag;
  }

  /** The newest offset known to be journaled. */
  long end() {
    return end;
  }

  /** Reads the current end now, for a subscription that starts. */
  long refreshEnd() throws SQLException {
    long now = journal.lastOffset();
    end = Math.max(end, now);
    return end;
  }

  void follow(Subscription s) {
    following.add(s);
  }

  void unfollow(Subscription s) {
    following.remove(s);
  }

  void schedule(Subscription s) {
    pumps.execute(s::pump);
  }

  private void poll() {
    if (following.isEmpty()) {
      return;
    }
    try {
      long now = journal.lastOffset();
      if (now > end) {
        end = now;
        following.forEach(this::schedule);
      } else {
        // until-time subscriptions end by the clock even when nothing is journaled
        following.stream().filter(Subscription::waitsForTime).forEach(this::schedule);
      }
    } catch (SQLException | RuntimeException e) {
      log.warn("cannot read the end of the journal: {}", e.getMessage());
    }
  }

  private static java.util.concurrent.ThreadFactory daemonThreads(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  @Override
  public void close() {
    poller.shutdownNow();
    pumps.shutdownNow();
    following.forEach(Subscription::cancelByServer);
  }
}
