package dev.conman.bench;

import dev.conman.api.v1.Container;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Resident memory: the daemon's VmRSS idle (fresh, right after its first start; and now, after
 * the earlier scenarios), with 50 and with 100 containers running; the per-container cost as the
 * slope (RSS100 - RSS idle) / 100; the RSS (and PSS) of each conmon. Also the RSS after a full GC
 * (jcmd GC.run) with 100 running, which shows how much of the RSS is garbage not yet collected.
 */
final class Memory {

  /** Heap in use right after a full GC (jcmd GC.run, then GC.heap_info): the live data; -1 if jcmd fails. */
  static long liveHeapKb(long pid) {
    Procs.Result gc = Procs.captured(List.of("jcmd", Long.toString(pid), "GC.run"), Duration.ofSeconds(30));
    Procs.Result heap = Procs.captured(List.of("jcmd", Long.toString(pid), "GC.heap_info"), Duration.ofSeconds(30));
    if (!gc.ok() || !heap.ok()) {
      return -1;
    }
    long used = 0;
    java.util.regex.Pattern p = java.util.regex.Pattern.compile("used (\\d+)K");
    for (String line : heap.out().split("\\n")) {
      String l = line.strip();
      if (l.startsWith("Metaspace") || l.startsWith("class space")) {
        continue;
      }
      if (l.matches("^(def new generation|tenured generation|garbage-first heap|PSYoungGen|ParOldGen|"
          + "ZHeap|Shenandoah).*")) {
        java.util.regex.Matcher m = p.matcher(l);
        if (m.find()) {
          used += Long.parseLong(m.group(1));
        }
      }
    }
    return used;
  }

  static void run(Ctx c) throws Exception {
    String prefix = c.run + "-mem-";
    try {
      Procs.sleep(2000);
      long pid = c.daemon.pid();
      long idle = Procs.rssKb(pid);
      long liveIdle = liveHeapKb(pid);
      Restart.startRunning(c, prefix + "a", 50);
      Procs.sleep(2000);
      long r50 = Procs.rssKb(pid);
      Restart.startRunning(c, prefix + "b", 50);
      Procs.sleep(2000);
      long r100 = Procs.rssKb(pid);
      List<Double> conmonRss = new ArrayList<>();
      List<Double> conmonPss = new ArrayList<>();
      for (Container ct : c.api().list()) {
        if (!ct.getName().startsWith(prefix)) {
          continue;
        }
        Path pidFile = c.daemon.state().resolve("conmon").resolve(ct.getId() + ".conmon.pid");
        try {
          long cp = Long.parseLong(Files.readString(pidFile).trim());
          conmonRss.add(Procs.rssKb(cp) / 1024.0);
          conmonPss.add(Procs.pssKb(cp) / 1024.0);
        } catch (Exception e) {
          // conmon pid file layout changed: reported as n=0
        }
      }
      Procs.Result gc = Procs.captured(List.of("jcmd", Long.toString(pid), "GC.run"), Duration.ofSeconds(30));
      Procs.sleep(1000);
      long r100gc = gc.ok() ? Procs.rssKb(pid) : -1;
      long live100 = liveHeapKb(pid);
      Procs.Result heap = Procs.captured(List.of("jcmd", Long.toString(pid), "GC.heap_info"), Duration.ofSeconds(30));
      if (heap.ok()) {
        // e.g. " def new generation   total 78656K, used 1234K [...]", " Metaspace       used 40000K, committed 41000K, ..."
        StringBuilder b = new StringBuilder("memory: conmand heap after GC with 100 running (jcmd GC.heap_info):");
        for (String line : heap.out().split("\n")) {
          String l = line.strip();
          if (l.matches("^(def new generation|tenured generation|Metaspace|class space|garbage-first heap|"
              + "PSYoungGen|ParOldGen).*")) {
            b.append(" [").append(l.replaceAll("\\s*\\[.*$", "").replaceAll("\\s+", " ")).append(']');
          }
        }
        c.report.note(b.toString());
      }
      if (c.idleFreshRssKb > 0) {
        c.report.add("memory", "daemon idle (fresh)", Stats.single(c.idleFreshRssKb / 1024.0), "MB", null, null, null);
      }
      c.report.add("memory", "daemon idle (now)", Stats.single(idle / 1024.0), "MB", null, null, null);
      c.report.add("memory", "daemon 50 running", Stats.single(r50 / 1024.0), "MB", null, null, null);
      c.report.add("memory", "daemon 100 running", Stats.single(r100 / 1024.0), "MB", null, Target.max(200, "MB"),
          r100gc > 0 ? "after jcmd GC.run: " + Report.num(r100gc / 1024.0) + " MB" : null);
      c.report.add("memory", "daemon per container", Stats.single((r100 - idle) / 100.0), "kB", null, null,
          "slope 0->100; 50->100: " + Report.num((r100 - r50) / 50.0) + " kB");
      if (liveIdle > 0 && live100 > 0) {
        c.report.add("memory", "live heap per container", Stats.single((live100 - liveIdle) / 100.0), "kB", null, null,
            "heap used after full GC: idle " + Report.num(liveIdle / 1024.0) + " MB, 100 running "
                + Report.num(live100 / 1024.0) + " MB");
      }
      c.report.add("memory", "conmon RSS", Stats.of(conmonRss), "MB", null, null,
          "PSS median " + Report.num(Stats.of(conmonPss).median()) + " MB");
    } finally {
      Bench.cleanUp(c, prefix);
    }
  }
}
