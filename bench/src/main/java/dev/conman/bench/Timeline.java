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
 *
 * <p>Each run is followed by a bare runc create + start + wait + delete of the same container, so
 * that the spans between the instants can be set against what runc alone takes in the same run:
 * the difference is the daemon's (gRPC, journal writes, conmon, actors).
 */
final class Timeline {

  static void run(Ctx c) throws Exception {
    int n = Ctx.iterations("TIMELINE", c.quick ? 5 : 15);
    String prefix = c.run + "-tl-";
    Map<String, List<Double>> offsets = new LinkedHashMap<>();
    Map<String, List<Double>> runc = new LinkedHashMap<>();
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
        Map<String, Double> bare = OneShot.runcCsd(c, prefix + "runc-" + (i + 2));
        if (i < 0) {
          continue;
        }
        bare.forEach((k, v) -> runc.computeIfAbsent(k, q -> new ArrayList<>()).add(v));
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
      c.report.note(spans(offsets, runc));
    } finally {
      Bench.cleanUp(c, prefix);
    }
  }

  /**
   * Where the time goes, per step: the median span between two instants of the same run, and the
   * bare-runc step it contains. An event's instant is its journal write timestamp (when the
   * journal plugin took the write, ms resolution), so "intent -> outcome" spans hold the rest of the
   * intent's write and the host work, "outcome -> reply" the rest of the outcome's write, the reply
   * and its way back through gRPC.
   */
  private static String spans(Map<String, List<Double>> at, Map<String, List<Double>> runc) {
    String[][] steps = {
        {"create_sent", "create_requested", "gRPC + supervisor's Registered write + actor start", null},
        {"create_requested", "created", "CreateRequested write + bundle + conmon + runc create", "create"},
        {"created", "create_returned", "Created write + reply", null},
        {"create_returned", "start_requested", "gRPC request", null},
        {"start_requested", "started", "StartRequested write + start handshake", "start"},
        {"started", "start_returned", "Started write + reply", null},
        {"process_finished", "exited", "exit file written until the Exited write (waits for Started)", null},
        {"start_returned", "wait_returned", "Wait call", "wait"},
        {"wait_returned", "delete_requested", "gRPC request", null},
        {"delete_requested", "deleted", "DeleteRequested write + runc delete + files", "delete"},
        {"deleted", "delete_returned", "Deleted write + reply", null},
    };
    StringBuilder b = new StringBuilder("timeline spans, median ms (bare runc's step of the same runs, the"
        + " daemon's share):");
    for (String[] s : steps) {
      List<Double> d = new ArrayList<>();
      List<Double> from = at.get(s[0]);
      List<Double> to = at.get(s[1]);
      if (from == null || to == null) {
        continue;
      }
      for (int i = 0; i < Math.min(from.size(), to.size()); i++) {
        d.add(to.get(i) - from.get(i));
      }
      double span = Stats.of(d).median();
      b.append(String.format(java.util.Locale.ROOT, "%n    %7.1f  %-17s -> %-17s %s", span, s[0], s[1], s[2]));
      if (s[3] != null && runc.containsKey(s[3])) {
        double bare = Stats.of(runc.get(s[3])).median();
        b.append(String.format(java.util.Locale.ROOT, " (runc %s %.1f, daemon %.1f)", s[3], bare, span - bare));
      }
    }
    return b.toString();
  }

  private static long micros(Instant a, Instant b) {
    return (b.getEpochSecond() - a.getEpochSecond()) * 1_000_000L + (b.getNano() - a.getNano()) / 1000;
  }
}
