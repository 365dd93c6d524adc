package dev.conman.grpc.events;

import dev.conman.journal.JournalReader;
import dev.conman.journal.JournalSignal;
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
 * <p>The journal is looked at when a writer signals a write, and at least every {@code pollInterval}
 * while someone follows: one indexed {@code MAX(ordering)} query, microseconds; nothing at all when
 * nobody follows.
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
  /** The newest offset known to be journaled: raised by the poller and by subscriptions that start. */
  private final java.util.concurrent.atomic.AtomicLong end = new java.util.concurrent.atomic.AtomicLong();
  /**
   * The end the poller saw last (its thread only). Not {@link #end}: a subscription that starts
   * raises that one, and the poller must still wake the followers for the events up to it.
   */
  private long polled;

  /**
   * @param journaled  signalled by the container actors after each confirmed write: followers hear of
   *                   an event at once; the poll interval only bounds the delay for other writers
   */
  public EventFeed(JournalReader journal, JournalSignal journaled, Duration pollInterval, long maxLag)
      throws SQLException {
    this.journal = journal;
    this.identities = new ContainerIdentities(journal);
    this.maxLag = maxLag;
    this.polled = journal.lastOffset();
    this.end.set(polled);
    poller.execute(() -> {
      long seen = journaled.writes();
      while (!Thread.currentThread().isInterrupted()) {
        try {
          awaitFollowers();
          seen = journaled.await(seen, pollInterval.toMillis());
        } catch (InterruptedException e) {
          return;
        }
        poll();
      }
    });
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
    return end.get();
  }

  /** Reads the current end now, for a subscription that starts. */
  long refreshEnd() throws SQLException {
    return end.accumulateAndGet(journal.lastOffset(), Math::max);
  }

  void follow(Subscription s) {
    following.add(s);
    synchronized (following) {
      following.notifyAll();
    }
  }

  /**
   * The poller sleeps while nobody follows: woken every poll interval for nothing, it was a
   * tenth of an idle daemon's CPU. A follower that comes wakes it; what was journaled meanwhile
   * is read by the follower's own start.
   */
  private void awaitFollowers() throws InterruptedException {
    synchronized (following) {
      while (following.isEmpty()) {
        following.wait();
      }
    }
  }

  void unfollow(Subscription s) {
    following.remove(s);
  }

  void schedule(Subscription s) {
    pumps.execute(s::pump);
  }

  /** The newest events, read once for all followers: live subscribers never query the journal each. */
  private static final int RECENT = 4096;
  private final java.util.ArrayDeque<dev.conman.journal.StoredEvent> recent = new java.util.ArrayDeque<>();
  /** Offsets up to this one are all in {@link #recent} (or older than its first). */
  private long recentEnd = -1;

  /**
   * Up to {@code limit} events with offsets in ({@code after}, {@code upTo}]: from the shared recent
   * events when they cover the range, else from the journal.
   */
  java.util.List<dev.conman.journal.StoredEvent> read(long after, long upTo, int limit) throws SQLException {
    synchronized (recent) {
      if (!recent.isEmpty() && recent.peekFirst().offset() <= after + 1 && upTo <= recentEnd) {
        java.util.List<dev.conman.journal.StoredEvent> page = new java.util.ArrayList<>();
        for (dev.conman.journal.StoredEvent e : recent) {
          if (e.offset() > after && e.offset() <= upTo) {
            page.add(e);
            if (page.size() == limit) {
              break;
            }
          }
        }
        return page;
      }
    }
    return journal.after(after, upTo, limit);
  }

  /** Reads what was journaled since the last look into the recent events. */
  private void remember(long from, long to) throws SQLException {
    synchronized (recent) {
      if (recentEnd != from) {
        recent.clear();
      }
      long cursor = from;
      while (cursor < to) {
        java.util.List<dev.conman.journal.StoredEvent> page = journal.after(cursor, to, 1024);
        if (page.isEmpty()) {
          break;
        }
        for (dev.conman.journal.StoredEvent e : page) {
          recent.addLast(e);
          if (recent.size() > RECENT) {
            recent.removeFirst();
          }
        }
        cursor = page.get(page.size() - 1).offset();
      }
      recentEnd = to;
    }
  }

  private void poll() {
    if (following.isEmpty()) {
      return;
    }
    try {
      long now = journal.lastOffset();
      if (now > polled) {
        // no follower for a while: only the newest can be in the recent events anyway
        remember(Math.max(polled, now - RECENT), now);
        polled = now;
        end.accumulateAndGet(now, Math::max);
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
