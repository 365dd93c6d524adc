package dev.conman.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * events: 10 live followers while containers go through create, start, stop (SIGKILL), delete
 * (5 at a time); latency = receipt time - event time, over every event of every follower.
 * journal-api: 100 containers doing the same lifecycle all at once; journaled events of those
 * containers (counted by one follower) per second of wall time.
 */
final class Events {

  static void latency(Ctx c) throws Exception {
    int followersN = 10;
    int containers = c.quick ? 10 : 20;
    String prefix = c.run + "-ev-";
    List<Follower> followers = new ArrayList<>();
    try {
      for (int i = 0; i < followersN; i++) {
        followers.add(new Follower(c.daemon.socket()));
      }
      Follower.sync(c, followers, prefix + "sync");
      // warm-up, not counted: the daemon's and the followers' first events run through cold code
      c.bounded(5, 5, i -> {
        lifecycle(c, prefix + "pre" + i);
        return null;
      });
      Parallel.waitFor(() -> followers.stream().allMatch(f -> f.deletedWithPrefix(prefix + "pre") == 5),
          "followers to see the warm-up");
      String work = prefix + "w";
      c.bounded(containers, 5, i -> {
        lifecycle(c, work + i);
        return null;
      });
      Parallel.waitFor(() -> followers.stream().allMatch(f -> f.deletedWithPrefix(work) == containers),
          "followers to see all deletions");
      List<Double> lat = new ArrayList<>();
      Map<String, Integer> types = new LinkedHashMap<>();
      for (Follower f : followers) {
        for (Follower.Seen s : f.seen(work)) {
          lat.add(s.latencyMs());
        }
      }
      for (Follower.Seen s : followers.get(0).seen(work)) {
        types.merge(s.type(), 1, Integer::sum);
      }
      Stats st = Stats.of(lat);
      c.report.add("events-latency", "conman " + followersN + " followers", st, "ms", null, Target.p99Max(50, "ms"),
          "p99=" + Report.num(st.p99()) + " (median column = p50)");
      c.report.note("events per follower for " + containers + " lifecycles: " + types);
    } finally {
      followers.forEach(Follower::close);
      Bench.cleanUp(c, prefix);
    }
  }

  static void journalApi(Ctx c) throws Exception {
    int n = 100;
    String prefix = c.run + "-jn-";
    Follower f = new Follower(c.daemon.socket());
    try {
      Follower.sync(c, List.of(f), prefix + "sync");
      String work = prefix + "w";
      long t0 = System.nanoTime();
      c.parallel(n, i -> {
        lifecycle(c, work + i);
        return null;
      });
      long t1 = System.nanoTime();
      Parallel.waitFor(() -> f.deletedWithPrefix(work) == n, "follower to see all deletions");
      List<Follower.Seen> seen = f.seen(work);
      double wallS = (t1 - t0) / 1e9;
      long first = seen.stream().mapToLong(Follower.Seen::timeMicros).min().orElse(0);
      long last = seen.stream().mapToLong(Follower.Seen::timeMicros).max().orElse(0);
      // busiest one-second window, by journal time
      long[] times = seen.stream().mapToLong(Follower.Seen::timeMicros).sorted().toArray();
      int peak = 0;
      for (int i = 0, j = 0; i < times.length; i++) {
        while (times[i] - times[j] >= 1_000_000) {
          j++;
        }
        peak = Math.max(peak, i - j + 1);
      }
      c.report.add("journal-api", "conman 100 lifecycles", Stats.single(seen.size() / wallS), "ev/s", null, null,
          String.format(java.util.Locale.ROOT, "%d events in %.2f s wall; busiest 1 s: %d ev; runc-bound, see journal-direct",
              seen.size(), wallS, peak));
      c.report.note(String.format(java.util.Locale.ROOT,
          "journal-api: journal span first..last event %.2f s", (last - first) / 1e6));
    } finally {
      f.close();
      Bench.cleanUp(c, prefix);
    }
  }

  /** create, start, stop (timeout 0), delete */
  static void lifecycle(Ctx c, String name) {
    Api api = c.api();
    String id = api.create(name, "/bin/sleep", "300").getId();
    api.start(id);
    api.stopNow(id);
    api.delete(id, false);
  }
}
