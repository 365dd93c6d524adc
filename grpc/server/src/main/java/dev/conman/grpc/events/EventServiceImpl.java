package dev.conman.grpc.events;

import com.google.protobuf.Timestamp;
import dev.conman.actors.ContainerException;
import dev.conman.actors.Ids;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.HistoryResponse;
import dev.conman.api.v1.StatusAtRequest;
import dev.conman.api.v1.StatusAtResponse;
import dev.conman.api.v1.SubscribeRequest;
import dev.conman.grpc.ContainerAsks;
import dev.conman.grpc.ProtoConverter;
import dev.conman.grpc.Responses;
import dev.conman.grpc.StatusMapper;
import dev.conman.journal.StoredEvent;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.sql.SQLException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.function.Predicate;

/**
 * conman.v1 EventService: the journal as a product. Subscribe streams host-wide events from any
 * offset, History returns one container's events, StatusAt replays them up to a moment.
 */
public final class EventServiceImpl extends EventServiceGrpc.EventServiceImplBase {

  private final EventFeed feed;
  private final ContainerAsks containers;
  private final ContainerHistory history;

  public EventServiceImpl(EventFeed feed, ContainerAsks containers, ContainerHistory history) {
    this.feed = feed;
    this.containers = containers;
    this.history = history;
  }

  @Override
  public void subscribe(SubscribeRequest request, StreamObserver<Event> out) {
    try {
      EventFilter filter = EventFilter.parse(request.getFiltersList());
      long end = feed.refreshEnd();
      long cursor = switch (request.getSinceCase()) {
        case SINCE_OFFSET -> sinceOffset(request.getSinceOffset(), end);
        case SINCE_TIME -> feed.journal().firstOffsetAtOrAfter(instant(request.getSinceTime(), "since_time"))
            .orElse(end + 1) - 1;
        case SINCE_NOT_SET -> {
          if (!request.getFollow()) {
            throw ContainerException.invalid("without follow, give since_offset or since_time (0 for the whole journal)");
          }
          yield end;
        }
      };
      long untilOffset = Long.MAX_VALUE;
      Instant untilTime = null;
      switch (request.getUntilCase()) {
        case UNTIL_OFFSET -> {
          untilOffset = request.getUntilOffset();
          if (untilOffset < 0) {
            throw ContainerException.invalid("until_offset must not be negative, not " + untilOffset);
          }
        }
        case UNTIL_TIME -> untilTime = instant(request.getUntilTime(), "until_time");
        case UNTIL_NOT_SET -> { }
      }
      new Subscription(feed, (ServerCallStreamObserver<Event>) out, filter, cursor, request.getFollow(),
          untilOffset, untilTime).start();
    } catch (RuntimeException | SQLException e) {
      out.onError(StatusMapper.toStatus(e));
    }
  }

  private static long sinceOffset(long offset, long end) {
    if (offset < 0) {
      throw ContainerException.invalid("since_offset must not be negative, not " + offset);
    }
    if (offset > end) {
      throw ContainerException.invalid("since_offset " + offset + " is beyond the end of the journal (last offset "
          + end + "); resume from an offset you received");
    }
    return offset;
  }

  private static Instant instant(Timestamp t, String field) {
    if (t.getNanos() < 0 || t.getNanos() > 999_999_999 || t.getSeconds() < 0) {
      throw ContainerException.invalid(field + " is not a valid time");
    }
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  @Override
  public void history(HistoryRequest request, StreamObserver<HistoryResponse> out) {
    Responses.respond(out, containerId(request.getRef()).thenApply(id -> {
      List<StoredEvent> events = events(id, Long.MAX_VALUE);
      ContainerIdentity identity = identity(id);
      HistoryResponse.Builder b = HistoryResponse.newBuilder();
      events.forEach(e -> EventConverter.toProto(e, identity).ifPresent(b::addEvents));
      return b.build();
    }));
  }

  @Override
  public void statusAt(StatusAtRequest request, StreamObserver<StatusAtResponse> out) {
    Predicate<StoredEvent> upToThen;
    try {
      upToThen = moment(request);
    } catch (ContainerException e) {
      out.onError(StatusMapper.toStatus(e));
      return;
    }
    Responses.respond(out, containerId(request.getRef()).thenApply(id -> {
      List<StoredEvent> events = events(id, Long.MAX_VALUE).stream().filter(upToThen).toList();
      if (events.isEmpty()) {
        throw ContainerException.invalid("container " + id + " did not exist yet at that moment");
      }
      return StatusAtResponse.newBuilder()
          .setContainer(ProtoConverter.toProto(history.status(id, events)))
          .setSequence(events.get(events.size() - 1).sequenceNr())
          .build();
    }));
  }

  /** Which of a container's events had happened at the requested moment; checked before any lookup. */
  private static Predicate<StoredEvent> moment(StatusAtRequest request) {
    return switch (request.getAtCase()) {
      case SEQUENCE -> {
        long sequence = request.getSequence();
        if (sequence < 1) {
          throw ContainerException.invalid("sequence must be at least 1, not " + sequence);
        }
        yield e -> e.sequenceNr() <= sequence;
      }
      case TIME -> {
        Instant at = instant(request.getTime(), "time");
        yield e -> !e.writtenAt().isAfter(at);
      }
      case AT_NOT_SET -> throw ContainerException.invalid("give a time or a sequence number");
    };
  }

  /** A live container by id, name or prefix; a deleted one by its full id, if the journal has it. */
  private CompletionStage<String> containerId(String ref) {
    return containers.resolve(ref).exceptionally(failure -> {
      if (StatusMapper.notFound(failure)) {
        if (Ids.isValid(ref) && !events(ref, 1).isEmpty()) {
          return ref;
        }
        throw ContainerException.invalidOrMissing(ref);
      }
      throw failure instanceof RuntimeException r ? r : new java.util.concurrent.CompletionException(failure);
    });
  }

  private List<StoredEvent> events(String id, long upTo) {
    return history.events(id, upTo);
  }

  private ContainerIdentity identity(String id) {
    try {
      return feed.identities().of(id);
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the journal: " + e.getMessage(), e);
    }
  }

}
