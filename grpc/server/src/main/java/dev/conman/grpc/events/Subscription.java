package dev.conman.grpc.events;

import dev.conman.api.v1.Event;
import dev.conman.grpc.StatusMapper;
import dev.conman.journal.StoredEvent;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One subscriber: a cursor over the journal. It reads pages after its cursor and sends while gRPC
 * says the client is ready, so past and live events come through one path (no gap, no duplicate at
 * the seam), and gRPC flow control bounds what is buffered for a slow client.
 */
final class Subscription {

  private static final int PAGE = 256;

  private final EventFeed feed;
  private final ServerCallStreamObserver<Event> out;
  private final EventFilter filter;
  private final boolean follow;
  private final long untilOffset;
  private final Instant untilTime;
  /** Without follow, the end of the journal when the subscription started. */
  private final long endWithoutFollow;
  private long cursor;
  private volatile boolean done;

  Subscription(EventFeed feed, ServerCallStreamObserver<Event> out, EventFilter filter, long cursor, boolean follow,
      long untilOffset, Instant untilTime) throws java.sql.SQLException {
    this.feed = feed;
    this.out = out;
    this.filter = filter;
    this.cursor = cursor;
    this.follow = follow;
    this.untilOffset = untilOffset;
    this.untilTime = untilTime;
    this.endWithoutFollow = follow ? Long.MAX_VALUE : feed.refreshEnd();
  }

  void start() {
    out.setOnCancelHandler(() -> {
      done = true;
      feed.unfollow(this);
    });
    out.setOnReadyHandler(() -> feed.schedule(this));
    if (follow) {
      feed.follow(this);
    }
    feed.schedule(this);
  }

  boolean waitsForTime() {
    return untilTime != null;
  }

  /** Sends what the client can take now; called again by the feed and by gRPC's onReady. */
  synchronized void pump() {
    try {
      while (!done && out.isReady()) {
        long upTo = Math.min(Math.min(untilOffset, endWithoutFollow), follow ? feed.end() : Long.MAX_VALUE);
        if (cursor >= upTo) {
          if (!follow || cursor >= untilOffset || (untilTime != null && Instant.now().isAfter(untilTime))) {
            finish();
          }
          return;
        }
        if (follow && feed.end() - cursor > feed.maxLag()) {
          fail(Status.RESOURCE_EXHAUSTED.withDescription("this subscriber fell " + (feed.end() - cursor)
              + " events behind the journal; resume with since_offset=" + cursor));
          return;
        }
        List<StoredEvent> page = feed.read(cursor, upTo, PAGE);
        for (StoredEvent stored : page) {
          if (untilTime != null && stored.writtenAt().isAfter(untilTime)) {
            finish();
            return;
          }
          cursor = stored.offset();
          send(stored);
        }
      }
    } catch (Exception e) {
      if (!done && !out.isCancelled()) {
        fail(StatusMapper.toStatus(e).getStatus());
      }
    }
  }

  private void send(StoredEvent stored) throws java.sql.SQLException {
    String id = EventConverter.containerId(stored);
    ContainerIdentity identity = id == null ? ContainerIdentity.HOST : feed.identities().of(id);
    Optional<Event> event = EventConverter.toProto(stored, identity);
    if (event.isPresent() && filter.matches(event.get(), identity)) {
      out.onNext(event.get());
    }
  }

  private void finish() {
    done = true;
    feed.unfollow(this);
    out.onCompleted();
  }

  private void fail(Status status) {
    done = true;
    feed.unfollow(this);
    out.onError(status.asRuntimeException());
  }

  /** The daemon shuts down: the client resumes from its last offset after the restart. */
  synchronized void cancelByServer() {
    if (!done) {
      fail(Status.UNAVAILABLE.withDescription("the daemon is shutting down; resume with since_offset=" + cursor));
    }
  }
}
