package dev.conman.bench;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;

/**
 * 50 {@code sleep 300} started at once, timed until all run; then all stopped and deleted at once,
 * timed until none is left. Engines interleaved per round (rotating order), as bench-parallel.sh:
 * <ul>
 *   <li>conman: 50 concurrent CreateContainer with start (one call each, as conmanctl run -d);
 *       then 50 concurrent StopContainer(timeout 0 = SIGKILL)+DeleteContainer
 *   <li>conman_2calls: the same with CreateContainer, then StartContainer (as a CRI client)
 *   <li>runc: 50 concurrent {@code runc run -d}; then 50 concurrent {@code runc delete --force} (SIGKILL + delete)
 *   <li>ctr / podman (--peers): the commands of bench-parallel.sh
 * </ul>
 */
final class Parallel {

  record Engine(String name, Consumer<String> start, Consumer<String> remove, ToLongFunction<String> running,
      ToLongFunction<String> present) {}

  static final int COUNT = 50;

  /** conman as a CRI client drives it: CreateContainer, then StartContainer (the row above it makes one call, as runc run -d). */
  static final String TWO_CALLS = "conman_2calls";

  static void run(Ctx c) throws Exception {
    int rounds = c.quick ? 1 : 3;
    ConcurrentLinkedQueue<Double> createRpc = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Double> startRpc = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Double> stopRpc = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Double> deleteRpc = new ConcurrentLinkedQueue<>();
    ConcurrentLinkedQueue<Double> runRpc = new ConcurrentLinkedQueue<>();
    Consumer<String> conmanRemove = id -> {
      long t0 = System.nanoTime();
      c.api().stopNow(id);
      long t1 = System.nanoTime();
      c.api().delete(id, false);
      long t2 = System.nanoTime();
      stopRpc.add(OneShot.ms(t1 - t0));
      deleteRpc.add(OneShot.ms(t2 - t1));
    };
    List<Engine> engines = new ArrayList<>();
    engines.add(new Engine("conman", id -> {
      long t0 = System.nanoTime();
      Container st = c.api().run(id, "/bin/sleep", "300");
      runRpc.add(OneShot.ms(System.nanoTime() - t0));
      checkRunning(id, st);
    }, conmanRemove, p -> c.api().countRunning(p), p -> c.api().count(p)));
    engines.add(new Engine(TWO_CALLS, id -> {
      long t0 = System.nanoTime();
      Container ct = c.api().create(id, "/bin/sleep", "300");
      long t1 = System.nanoTime();
      Container st = c.api().start(ct.getId());
      long t2 = System.nanoTime();
      createRpc.add(OneShot.ms(t1 - t0));
      startRpc.add(OneShot.ms(t2 - t1));
      checkRunning(id, st);
    }, conmanRemove, p -> c.api().countRunning(p), p -> c.api().count(p)));
    engines.add(new Engine("runc",
        id -> c.runc.detached("run", "--detach", "--bundle", c.runc.bundleSleep().toString(), id).check(),
        id -> c.runc.call("delete", "--force", id).check(),
        c.runc::countRunning, c.runc::count));
    engines.add(new Engine("runtime floor",
        id -> c.floor.createAndStart(id, c.runc.bundleSleep()), c.floor::remove,
        p -> c.floor.count(p, true), p -> c.floor.count(p, false)));
    if (c.peers.hasCtr()) {
      engines.add(new Engine("ctr", id -> c.peers.ctrStart(id).check(), id -> c.peers.ctrRemove(id).check(),
          c.peers::ctrCountRunning, c.peers::ctrCount));
    }
    if (c.peers.hasPodman()) {
      engines.add(new Engine("podman", id -> c.peers.podmanStart(id).check(), id -> c.peers.podmanRemove(id).check(),
          c.peers::podmanCountRunning, c.peers::podmanCount));
    }
    Map<String, List<Double>> hostCpu = new LinkedHashMap<>();
    // the harness's own threads (its reaped children, bare runc's processes among them, left out):
    // the client shares the cores with what it measures
    Map<String, List<Double>> harnessCpu = new LinkedHashMap<>();
    long harness = ProcessHandle.current().pid();
    List<Double> daemonSelf = new ArrayList<>();
    List<Double> daemonChildren = new ArrayList<>();
    Map<String, List<Double>> starts = new LinkedHashMap<>();
    Map<String, List<Double>> stops = new LinkedHashMap<>();
    for (int r = 0; r < rounds; r++) {
      for (int j = 0; j < engines.size(); j++) {
        Engine e = engines.get((r + j) % engines.size());
        String prefix = c.run + "-p" + r + e.name() + "-";
        try {
          long h0 = Procs.hostBusyMs();
          long[] d0 = Procs.cpuMs(c.daemon.pid());
          long[] s0 = Procs.cpuMs(harness);
          long t0 = System.nanoTime();
          c.parallel(COUNT, i -> {
            e.start().accept(prefix + i);
            return null;
          });
          waitFor(() -> e.running().applyAsLong(prefix) == COUNT, e.name() + ": " + COUNT + " running");
          long t1 = System.nanoTime();
          long[] d1 = Procs.cpuMs(c.daemon.pid());
          long[] s1 = Procs.cpuMs(harness);
          hostCpu.computeIfAbsent(e.name() + " start", k -> new ArrayList<>()).add((Procs.hostBusyMs() - h0) / 1.0);
          harnessCpu.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(ownCpu(s0, s1));
          if (e.name().equals("conman")) {
            daemonSelf.add(ownCpu(d0, d1));
            daemonChildren.add((double) (d1[2] + d1[3] - d0[2] - d0[3]));
          }
          starts.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(OneShot.ms(t1 - t0));
          System.out.printf("  round %d %-7s start %dx: %.0f ms%s%n", r, e.name(), COUNT, OneShot.ms(t1 - t0),
              monotonic(t0, t1));
          Procs.sleep(1000);
          h0 = Procs.hostBusyMs();
          t0 = System.nanoTime();
          c.parallel(COUNT, i -> {
            e.remove().accept(prefix + i);
            return null;
          });
          waitFor(() -> e.present().applyAsLong(prefix) == 0, e.name() + ": all removed");
          t1 = System.nanoTime();
          hostCpu.computeIfAbsent(e.name() + " stop", k -> new ArrayList<>()).add((Procs.hostBusyMs() - h0) / 1.0);
          stops.computeIfAbsent(e.name(), k -> new ArrayList<>()).add(OneShot.ms(t1 - t0));
          System.out.printf("  round %d %-7s stop+delete %dx: %.0f ms%s%n", r, e.name(), COUNT, OneShot.ms(t1 - t0),
              monotonic(t0, t1));
          Procs.sleep(1000);
        } catch (RuntimeException ex) {
          c.report.note("parallel50 round " + r + " " + e.name() + " failed: " + ex.getMessage());
          Bench.cleanUp(c, prefix);
        }
      }
    }
    for (Engine e : engines) {
      c.report.add("parallel50-start", e.name(), Stats.of(starts.getOrDefault(e.name(), List.of())), "ms", "runc",
          e.name().equals("conman") ? Target.ratioMax(1.3) : null, null);
    }
    for (Engine e : engines) {
      c.report.add("parallel50-stop+delete", e.name(), Stats.of(stops.getOrDefault(e.name(), List.of())), "ms",
          "runc", e.name().equals("conman") ? Target.ratioMax(1.5) : null, null);
    }
    StringBuilder cpu = new StringBuilder("parallel50 host CPU busy during each phase (all cores, all users; ms, median):");
    hostCpu.forEach((k, l) -> cpu.append(' ').append(k).append('=').append(Report.num(Stats.of(l).median())));
    cpu.append("; conmand's own CPU per start phase ").append(Report.num(Stats.of(daemonSelf).median()))
        .append(" ms + its reaped children (conmon, runc...) ")
        .append(Report.num(Stats.of(daemonChildren).median())).append(" ms; the harness's own CPU per start phase:");
    harnessCpu.forEach((k, l) -> cpu.append(' ').append(k).append('=').append(Report.num(Stats.of(l).median())));
    c.report.note(cpu.toString());
    c.report.note(String.format(java.util.Locale.ROOT,
        "parallel50 conman per-RPC latency under load, median/max ms: create+start in one call %s/%s; "
            + TWO_CALLS + ": create %s/%s start %s/%s; stop %s/%s delete %s/%s",
        Report.num(Stats.of(runRpc).median()), Report.num(Stats.of(runRpc).max()),
        Report.num(Stats.of(createRpc).median()), Report.num(Stats.of(createRpc).max()),
        Report.num(Stats.of(startRpc).median()), Report.num(Stats.of(startRpc).max()),
        Report.num(Stats.of(stopRpc).median()), Report.num(Stats.of(stopRpc).max()),
        Report.num(Stats.of(deleteRpc).median()), Report.num(Stats.of(deleteRpc).max())));
    c.report.note(ExecCost.note());
  }

  private static void checkRunning(String id, Container c) {
    if (c.getState() != ContainerState.CONTAINER_STATE_RUNNING) {
      throw new IllegalStateException(id + " is " + c.getState() + " after start: " + c.getMessage());
    }
  }

  /** A process's own CPU (user + system, its reaped children left out) between two {@link Procs#cpuMs} samples. */
  private static double ownCpu(long[] before, long[] after) {
    return after[0] + after[1] - before[0] - before[1];
  }

  /**
   * The phase's bounds on CLOCK_MONOTONIC (System.nanoTime on Linux), in seconds: a profile taken with
   * {@code perf record -a -k CLOCK_MONOTONIC} during a run is cut to one phase with
   * {@code perf report --time FROM,TO}.
   */
  private static String monotonic(long from, long to) {
    return String.format(java.util.Locale.ROOT, " [monotonic %.6f,%.6f]", from / 1e9, to / 1e9);
  }

  interface Check {
    boolean ok();
  }

  /** Polls every 10 ms, up to 120 s. */
  static void waitFor(Check check, String what) {
    long deadline = System.nanoTime() + 120_000_000_000L;
    while (!check.ok()) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("timed out waiting for " + what);
      }
      Procs.sleep(10);
    }
  }
}
