package dev.conman.cli;

import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc.EventServiceBlockingStub;
import dev.conman.api.v1.Filter;
import dev.conman.api.v1.SubscribeRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * events: Subscribe, printing each event as it arrives. Without --follow the daemon ends the
 * stream at the end of the journal (or --until) and the call has the usual deadline; with it, the
 * stream lasts until --until or Ctrl-C. Every line carries the event's journal offset, so when
 * the stream breaks (RESOURCE_EXHAUSTED for a reader that fell too far behind, a daemon restart)
 * the user is told the --since that resumes exactly after the last event printed.
 */
@Command(name = "events",
    description = {"Print the host's container events, one line each (one JSON object a line"
        + " with -o json): time, journal offset, container id and name, type, details.",
        "Without --follow, prints the journal's past and exits; with it, then keeps printing"
        + " live events, with no gap and no duplicate, until --until or Ctrl-C."})
final class EventsCommand extends DaemonCommand {
  @Option(names = "--since", paramLabel = "TIME|DURATION|OFFSET",
      converter = JournalPoint.OffsetConverter.class,
      description = "Start at this RFC 3339 time (2026-11-28T10:00:00Z), this long ago (10m, 2h,"
          + " 1h30m, 2d), or after this journal offset (the offset of the last event seen, to"
          + " resume). Default: the whole journal (offset 0) without --follow; only live events"
          + " with --follow.")
  JournalPoint since;

  @Option(names = "--until", paramLabel = "TIME|DURATION|OFFSET",
      converter = JournalPoint.OffsetConverter.class,
      description = "End at this time, this long ago, or after this journal offset. Default: the"
          + " current end of the journal without --follow; never with --follow.")
  JournalPoint until;

  @Option(names = {"-f", "--follow"},
      description = "After the past events, keep printing live ones (no deadline).")
  boolean follow;

  @Option(names = "--filter", paramLabel = "KEY=VALUE", converter = FilterConverter.class,
      description = "Only matching events; repeatable: several values of one key match any,"
          + " different keys must all match. Keys: container=ID|NAME, type=TYPE (exited, ...),"
          + " label=KEY=VALUE.")
  List<Filter> filters = new ArrayList<>();

  SubscribeRequest request() {
    SubscribeRequest.Builder request =
        SubscribeRequest.newBuilder().setFollow(follow).addAllFilters(filters);
    if (since != null) {
      if (since.isTime()) {
        request.setSinceTime(since.timestamp());
      } else {
        request.setSinceOffset(since.number());
      }
    } else if (!follow) {
      request.setSinceOffset(0);
    }
    if (until != null) {
      if (until.isTime()) {
        request.setUntilTime(until.timestamp());
      } else {
        request.setUntilOffset(until.number());
      }
    }
    return request.build();
  }

  @Override
  protected int run(Daemon daemon, Console console) {
    EventServiceBlockingStub stub = follow ? daemon.eventsWithoutDeadline() : daemon.events();
    Iterator<Event> events = stub.subscribe(request());
    Long lastOffset = null;
    try {
      while (events.hasNext()) {
        Event event = events.next();
        if (!console.event(event)) {
          return ExitCodes.OK; // stdout's reader has gone (| head): as good as Ctrl-C
        }
        lastOffset = event.getOffset();
      }
      return ExitCodes.OK;
    } catch (StatusRuntimeException e) {
      String resumeFrom = resumeFrom(lastOffset, e.getStatus().getCode());
      if (resumeFrom == null) {
        throw e; // an ordinary error, such as INVALID_ARGUMENT for an unknown filter key
      }
      console.error(Console.describe(e) + "; resume with --since " + resumeFrom);
      return ExitCodes.of(e);
    }
  }

  /**
   * The --since that continues a broken stream without loss: after the last event printed. When
   * none was, the start is worth repeating only if the daemon dropped this reader for being slow.
   */
  private String resumeFrom(Long lastOffset, Status.Code code) {
    if (lastOffset != null) {
      return lastOffset.toString();
    }
    return since != null && code == Status.Code.RESOURCE_EXHAUSTED ? since.toString() : null;
  }

  /** KEY=VALUE, split at the first '=' so that label=K=V has the value K=V. */
  static final class FilterConverter implements ITypeConverter<Filter> {
    @Override
    public Filter convert(String value) {
      int eq = value.indexOf('=');
      if (eq <= 0) {
        throw new TypeConversionException("'" + value + "' is not KEY=VALUE (container=ID|NAME,"
            + " type=TYPE, label=KEY=VALUE)");
      }
      return Filter.newBuilder().setKey(value.substring(0, eq)).setValue(value.substring(eq + 1))
          .build();
    }
  }
}
