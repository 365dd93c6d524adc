package dev.conman.bench;

import dev.conman.api.v1.Container;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One short-lived container (/bin/true), sequential, interleaved: every iteration runs each
 * variant once, in an order shuffled per iteration (seeded, so runs are alike): in a fixed rotation
 * each variant mostly follows the same other one, and what that one leaves to the kernel (a
 * namespace's teardown, a cgroup's removal) is charged to it; here it was 3 ms of create, for the
 * same calls, after runc_csd rather than runc_run. Before that, conmand alone runs
 * one-shots until its JIT has compiled the paths (a daemon runs for days; its first hundred
 * operations after a start are slower): the first of them are reported on a row of their own,
 * "conman fresh daemon", since the scenario runs first after the daemon's start.
 * <ul>
 *   <li>conman: CreateContainer with start (one call, as conmanctl run -d) + WaitContainer +
 *   DeleteContainer on a warm channel
 *   <li>conman_2calls: the same with CreateContainer, then StartContainer (as a CRI client)
 *   <li>conman_rm: as conmanctl run --rm and docker run --rm: CreateContainer with auto_remove,
 *   WaitContainer until removed (asked before the start, answered once the daemon has deleted the
 *   container), StartContainer
 *   <li>runc_csd: runc create + runc start + wait for exit (poll /proc/PID until gone or zombie) + runc delete
 *   <li>runtime_floor: the same through conmand's runtime layer without the daemon: conmon runs
 *   runc create, the start's exec.fifo handshake in-process, wait for conmon's exit file, runc
 *   delete and conmon's files removed
 *   <li>runc_run: runc run (foreground; runc deletes on exit)
 *   <li>ctr_run / podman_run (--peers): ctr run --rm, podman run --rm --network none
 * </ul>
 */
final class OneShot {

  interface Variant {
    /** Returns the sub-timings in ms, the total under "total". */
    Map<String, Double> run(String id);
  }

  static void run(Ctx c) throws Exception {
    int n = Ctx.iterations("ONESHOT", c.quick ? 10 : 30);
    int warm = c.quick ? 2 : 3;
    int daemonWarmUp = c.quick ? 20 : 100;
    String prefix = c.run + "-os-";
    Map<String, Variant> variants = new LinkedHashMap<>();
    variants.put("conman", id -> conman(c, id));
    variants.put(Parallel.TWO_CALLS, id -> conmanTwoCalls(c, id));
    variants.put("conman_rm", id -> conmanAutoRemoved(c, id));
    variants.put("runc_csd", id -> runcCsd(c, id));
    variants.put("runtime_floor", id -> floor(c, id));
    variants.put("runc_run", id -> {
      Procs.Result r = c.runc.detached("run", "--bundle", c.runc.bundleTrue().toString(), id).check();
      return Map.of("total", r.millis());
    });
    if (c.peers.hasCtr()) {
      variants.put("ctr_run", id -> Map.of("total", c.peers.ctrRunRm(id).check().millis()));
    }
    if (c.peers.hasPodman()) {
      variants.put("podman_run", id -> Map.of("total", c.peers.podmanRunRm(id).check().millis()));
    }
    List<String> names = new ArrayList<>(variants.keySet());
    Map<String, Map<String, List<Double>>> samples = new LinkedHashMap<>();
    names.forEach(v -> samples.put(v, new LinkedHashMap<>()));
    System.out.println("oneshot: conmand warm-up of " + daemonWarmUp + " one-shots, the first " + n + " reported");
    List<Double> fresh = new ArrayList<>();
    for (int i = 0; i < daemonWarmUp; i++) {
      double total = conman(c, prefix + "warm-" + i).get("total");
      if (i < n) {
        fresh.add(total);
      }
    }
    c.report.add("oneshot", "conman fresh daemon", Stats.of(fresh), "ms", "runc_csd", null,
        "its first " + fresh.size() + " one-shots after the start, before the JIT has compiled the paths");
    System.out.println("oneshot: " + n + " iterations of " + names + " (+" + warm + " warm-up each)");
    java.util.Random shuffler = new java.util.Random(20261129);
    for (int i = -warm; i < n; i++) {
      List<String> order = new ArrayList<>(names);
      java.util.Collections.shuffle(order, shuffler);
      for (String v : order) {
        Map<String, Double> t = variants.get(v).run(prefix + v.replace('_', '-') + "-" + (i + warm));
        if (i >= 0) {
          t.forEach((k, x) -> samples.get(v).computeIfAbsent(k, q -> new ArrayList<>()).add(x));
        }
      }
    }
    for (String v : names) {
      Stats s = Stats.of(samples.get(v).get("total"));
      boolean conman = v.equals("conman") || v.equals("conman_rm");
      Target target = conman ? Target.ratioMax(1.25) : null;
      String note = null;
      if (conman && samples.containsKey("ctr_run")) {
        double ctr = Stats.of(samples.get("ctr_run").get("total")).median();
        note = String.format(java.util.Locale.ROOT, "%.2fx ctr_run (target <0.5)", s.median() / ctr);
      }
      c.report.add("oneshot", v, s, "ms", "runc_csd", target, note);
    }
    for (String v : List.of("conman", Parallel.TWO_CALLS, "conman_rm", "runtime_floor", "runc_csd")) {
      StringBuilder b = new StringBuilder("oneshot " + v + " median breakdown (ms):");
      samples.get(v).forEach((k, l) -> {
        if (!k.equals("total")) {
          b.append(' ').append(k).append('=').append(Report.num(Stats.of(l).median()));
        }
      });
      c.report.note(b.toString());
    }
  }

  private static Map<String, Double> conman(Ctx c, String name) {
    Api api = c.api();
    long t0 = System.nanoTime();
    Container started = api.run(name, "/bin/true");
    long t1 = System.nanoTime();
    Container done = api.await(started.getId());
    long t2 = System.nanoTime();
    api.delete(started.getId(), false);
    long t3 = System.nanoTime();
    checkSucceeded(name, done);
    return timings(List.of("create+start", "wait", "delete"), t0, t1, t2, t3);
  }

  private static Map<String, Double> conmanTwoCalls(Ctx c, String name) {
    Api api = c.api();
    long t0 = System.nanoTime();
    Container created = api.create(name, "/bin/true");
    long t1 = System.nanoTime();
    api.start(created.getId());
    long t2 = System.nanoTime();
    Container done = api.await(created.getId());
    long t3 = System.nanoTime();
    api.delete(created.getId(), false);
    long t4 = System.nanoTime();
    checkSucceeded(name, done);
    return timings(t0, t1, t2, t3, t4);
  }

  /** create, then start (with the wait for removal asked in between), then until removed. */
  private static Map<String, Double> conmanAutoRemoved(Ctx c, String name) {
    Api api = c.api();
    long t0 = System.nanoTime();
    Container created = api.createAutoRemoved(name, "/bin/true");
    long t1 = System.nanoTime();
    var removed = api.awaitRemoved(created.getId());
    api.start(created.getId());
    long t2 = System.nanoTime();
    Container done;
    try {
      done = removed.get().getContainer();
    } catch (Exception e) {
      throw new IllegalStateException("conman one-shot " + name + ": waiting for its removal failed", e);
    }
    long t3 = System.nanoTime();
    checkSucceeded(name, done);
    return timings(List.of("create", "start", "removed"), t0, t1, t2, t3);
  }

  private static void checkSucceeded(String name, Container done) {
    if (!done.hasExitCode() || done.getExitCode() != 0) {
      throw new IllegalStateException("conman one-shot " + name + " ended " + done.getState() + " exit "
          + (done.hasExitCode() ? done.getExitCode() : "unknown") + " " + done.getMessage());
    }
  }

  static Map<String, Double> runcCsd(Ctx c, String id) {
    Path pidFile = c.work.resolve(id + ".pid");
    long t0 = System.nanoTime();
    c.runc.detached("create", "--bundle", c.runc.bundleTrue().toString(), "--pid-file", pidFile.toString(), id)
        .check();
    long t1 = System.nanoTime();
    long pid;
    try {
      pid = Long.parseLong(Files.readString(pidFile).trim());
      Files.deleteIfExists(pidFile);
    } catch (Exception e) {
      throw new IllegalStateException("runc create wrote no pid file " + pidFile, e);
    }
    c.runc.call("start", id).check();
    long t2 = System.nanoTime();
    while (Procs.aliveNotZombie(pid)) {
      java.util.concurrent.locks.LockSupport.parkNanos(100_000);
    }
    long t3 = System.nanoTime();
    c.runc.call("delete", id).check();
    long t4 = System.nanoTime();
    return timings(t0, t1, t2, t3, t4);
  }

  /** The same steps through conmand's runtime layer without the daemon: conmon runs runc create. */
  static Map<String, Double> floor(Ctx c, String id) {
    long t0 = System.nanoTime();
    c.floor.create(id, c.runc.bundleTrue());
    long t1 = System.nanoTime();
    c.floor.start(id);
    long t2 = System.nanoTime();
    c.floor.awaitExit(id);
    long t3 = System.nanoTime();
    c.floor.remove(id);
    long t4 = System.nanoTime();
    return timings(t0, t1, t2, t3, t4);
  }

  /** total, create, start, wait, delete from the five instants. */
  private static Map<String, Double> timings(long t0, long t1, long t2, long t3, long t4) {
    return timings(List.of("create", "start", "wait", "delete"), t0, t1, t2, t3, t4);
  }

  /** "total" from the first instant to the last, then each step from its instant to the next. */
  private static Map<String, Double> timings(List<String> steps, long... at) {
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("total", ms(at[at.length - 1] - at[0]));
    for (int i = 0; i < steps.size(); i++) {
      m.put(steps.get(i), ms(at[i + 1] - at[i]));
    }
    return m;
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }
}
