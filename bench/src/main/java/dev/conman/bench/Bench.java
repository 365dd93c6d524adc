package dev.conman.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The benchmark harness run by bench/run.sh: starts a private conmand, runs the scenarios against
 * it and, interleaved, against bare runc (and ctr / podman when given), prints the table and
 * writes it to --out.
 */
@Command(name = "conman-bench", mixinStandardHelpOptions = true,
    description = "conmand against bare runc (and containerd, podman): run it through bench/run.sh")
public final class Bench implements Callable<Integer> {

  /** In run order. */
  static final List<String> ALL = List.of("oneshot", "parallel50", "events", "journal", "journal-direct", "memory",
      "restart50", "cli", "restart1000", "timeline", "rpc");
  /** restart1000 (slow), timeline and rpc (diagnostics) only when asked for. */
  static final List<String> DEFAULT = ALL.subList(0, ALL.size() - 3);

  @Option(names = "--work", required = true, description = "Scratch directory (run.sh makes it): root/, rootfs/, logs")
  Path work;
  @Option(names = "--run-dir", description = "Where conmand's state/ and bare runc's root runc/ go, the stand-in "
      + "for /run (run.sh mounts a tmpfs there, as /run is on a standard host; default: --work)")
  Path runDir;
  @Option(names = "--conmand", required = true, description = "bin/conmand")
  Path conmand;
  @Option(names = "--conmanctl", required = true, description = "bin/conmanctl")
  Path conmanctl;
  @Option(names = "--runc", defaultValue = "runc", description = "runc binary (default: ${DEFAULT-VALUE})")
  String runc;
  @Option(names = "--quick", description = "Fewer iterations")
  boolean quick;
  @Option(names = "--scenarios", split = ",", description = "Subset of: oneshot, parallel50, events, journal, "
      + "journal-direct, memory, restart50, cli, restart1000, timeline, all (default: all but restart1000 and timeline)")
  List<String> scenarios;
  @Option(names = "--out", description = "Write the table here too")
  Path out;
  @Option(names = "--info", description = "A header line for the table (repeatable)")
  List<String> info = new ArrayList<>();
  @Option(names = "--ctr", description = "ctr command line (peers' env.sh CTR); containerd variants when set")
  String ctr;
  @Option(names = "--podman", description = "podman command line (peers' env.sh P); podman variants when set")
  String podman;
  @Option(names = "--peer-image", description = "Image for ctr and podman (peers' env.sh IMG)")
  String peerImage;
  @Option(names = "--peer-restart-summary", description = "bench-restart.sh summary.txt, quoted in restart50")
  Path peerRestartSummary;

  public static void main(String[] args) {
    System.exit(new CommandLine(new Bench()).execute(args));
  }

  @Override
  public Integer call() throws Exception {
    List<String> chosen = scenarios == null || scenarios.isEmpty() ? DEFAULT
        : scenarios.contains("all") ? ALL : scenarios;
    for (String s : chosen) {
      if (!ALL.contains(s)) {
        throw new CommandLine.ParameterException(new CommandLine(this), "unknown scenario " + s + "; known: " + ALL);
      }
    }
    chosen = ALL.stream().filter(chosen::contains).toList();
    Path rootfs = work.resolve("rootfs");
    Report report = new Report();
    Path run = runDir == null ? work : runDir;
    BareRunc bare = new BareRunc(runc, run.resolve("runc"), work, rootfs);
    Peers peers = new Peers(ctr, podman, peerImage, work.resolve("peers.log"));
    Conmand daemon = new Conmand(conmand, work.resolve("root"), run.resolve("state"), work.resolve("conmand.log"),
        work.resolve("conmand.pid"));
    String runId = "b" + Long.toString(System.currentTimeMillis() % 1_000_000L, 36);
    Ctx c = new Ctx(quick, daemon, bare, new RuntimeFloor(run.resolve("floor"), work), peers, report, rootfs, work,
        conmanctl, runId);
    if (peerRestartSummary != null && Files.exists(peerRestartSummary)) {
      c.peerRestartSummary = Files.readString(peerRestartSummary).strip().replace('\n', ';');
    }
    List<String> header = new ArrayList<>(info);
    header.add("scenarios: " + String.join(",", chosen) + (quick ? " (quick)" : "") + "; medians over iterations; "
        + "'x runc' = median / median of bare runc in the same run");
    int failures = 0;
    try {
      Duration cold = daemon.start(Duration.ofSeconds(120));
      System.out.printf("conmand pid %d answering after %d ms (cold start, empty journal)%n", daemon.pid(),
          cold.toMillis());
      report.note("conmand cold start (empty journal) to first answer: " + cold.toMillis() + " ms");
      Procs.sleep(2000);
      c.idleFreshRssKb = Procs.rssKb(daemon.pid());
      for (int i = 0; i < 5; i++) {
        c.api().list();
      }
      Map<String, Scenario> table = scenarios();
      for (String name : chosen) {
        System.out.println("== " + name + " (load " + loadavg() + ")");
        long t0 = System.nanoTime();
        try {
          table.get(name).run(c);
        } catch (Exception | Error e) {
          failures++;
          report.failure(name, e);
          e.printStackTrace(System.out);
          cleanUp(c, runId);
        }
        if (!daemon.alive()) {
          report.note("conmand was not running after " + name + " (see conmand.log); restarted");
          c.reconnect();
          daemon.start(Duration.ofSeconds(120));
        }
        System.out.printf("   %s took %.0f s%n", name, (System.nanoTime() - t0) / 1e9);
      }
    } finally {
      try {
        cleanUp(c, runId);
      } catch (RuntimeException e) {
        System.out.println("final clean-up: " + e.getMessage());
      }
      c.close();
      daemon.stop();
      header.add("load average at the end: " + loadavg());
      report.write(out, header);
    }
    return failures == 0 ? 0 : 1;
  }

  interface Scenario {
    void run(Ctx c) throws Exception;
  }

  static Map<String, Scenario> scenarios() {
    Map<String, Scenario> m = new LinkedHashMap<>();
    m.put("oneshot", OneShot::run);
    m.put("parallel50", Parallel::run);
    m.put("events", Events::latency);
    m.put("journal", Events::journalApi);
    m.put("journal-direct", JournalDirect::run);
    m.put("memory", Memory::run);
    m.put("restart50", Restart::run50);
    m.put("cli", Cli::run);
    m.put("restart1000", Restart::run1000);
    m.put("timeline", Timeline::run);
    m.put("rpc", RoundTrip::run);
    return m;
  }

  /** Removes what this run left with this name prefix: conman containers, bare runc, peers. */
  static void cleanUp(Ctx c, String prefix) {
    try {
      if (c.daemon.alive()) {
        c.api().removeAll(prefix);
      }
    } catch (RuntimeException e) {
      System.out.println("  clean-up (conman): " + e.getMessage());
    }
    try {
      c.runc.removeAll(prefix);
    } catch (RuntimeException e) {
      System.out.println("  clean-up (runc): " + e.getMessage());
    }
    try {
      c.peers.removeAll(prefix);
    } catch (RuntimeException e) {
      System.out.println("  clean-up (peers): " + e.getMessage());
    }
  }

  static String loadavg() {
    try {
      return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
    } catch (Exception e) {
      return "?";
    }
  }
}
