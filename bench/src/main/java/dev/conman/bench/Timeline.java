package dev.conman.bench;

import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.HistoryRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * timeline (diagnostic, not in the default set): where the time of one one-shot container goes.
 * For each run, the client's instants (RPC sent / returned) and the journal times of the
 * container's events (History), as offsets from the CreateContainer call; medians over the runs.
 * Journal times have millisecond resolution.
 */
final class Timeline {

  static void run(Ctx c) throws Exception {
    int n = c.quick ? 5 : 15;
    String prefix = c.run + "-tl-";
    Map<String, List<Double>> offsets = new LinkedHashMap<>();
    EventServiceGrpc.EventServiceBlockingStub events = EventServiceGrpc.newBlockingStub(c.api().channel());
    try {
      for (int i = -2; i < n; i++) {
        Api api = c.api();
        Map<String, Instant> t = new LinkedHashMap<>();
        t.put("create_sent", Instant.now());
        String id = api.create(prefix + (i + 2), "/bin/true").getId();
        t.put("create_returned", Instant.now());
        api.start(id);
        t.put("start_returned", Instant.now());
        api.await(id);
        t.put("wait_returned", Instant.now());
        api.delete(id, false);
        t.put("delete_returned", Instant.now());
        if (i < 0) {
          continue;
        }
        List<Event> history = events.history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
        Instant t0 = t.get("create_sent");
        Map<String, Double> row = new LinkedHashMap<>();
        t.forEach((k, v) -> row.put(k, micros(t0, v) / 1000.0));
        for (Event e : history) {
          row.put(e.getType(), micros(t0, Instant.ofEpochSecond(e.getTime().getSeconds(), e.getTime().getNanos()))
              / 1000.0);
          if (e.hasFinishedAt()) {
            row.put("process_finished", micros(t0, Instant.ofEpochSecond(e.getFinishedAt().getSeconds(),
                e.getFinishedAt().getNanos())) / 1000.0);
          }
        }
        row.forEach((k, v) -> offsets.computeIfAbsent(k, q -> new ArrayList<>()).add(v));
      }
      List<Map.Entry<String, Double>> medians = new ArrayList<>();
      offsets.forEach((k, l) -> medians.add(Map.entry(k, Stats.of(l).median())));
      medians.sort(Map.Entry.comparingByValue());
      StringBuilder b = new StringBuilder("timeline of a one-shot, median ms from CreateContainer sent (n=" + n + "):");
      for (Map.Entry<String, Double> e : medians) {
        b.append("\n    ").append(String.format(java.util.Locale.ROOT, "%8.1f  %s", e.getValue(), e.getKey()));
      }
      c.report.note(b.toString());
    } finally {
      Bench.cleanUp(c, prefix);
    }
  }

  private static long micros(Instant a, Instant b) {
    return (b.getEpochSecond() - a.getEpochSecond()) * 1_000_000L + (b.getNano() - a.getNano()) / 1000;
  }
}
