package dev.conman.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Wall time of {@code bin/conmanctl container list} (a JVM start each time), and of
 * {@code java -version} with the launcher's flags as the floor any JVM client pays.
 */
final class Cli {

  static void run(Ctx c) {
    int n = c.quick ? 5 : 10;
    List<String> list = List.of(c.conmanctl.toString(), "--socket", c.daemon.socket().toString(), "container", "list");
    List<String> floor = List.of("java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xshare:auto",
        "-XX:-UsePerfData", "-version");
    List<Double> tList = new ArrayList<>();
    List<Double> tFloor = new ArrayList<>();
    for (int i = -1; i < n; i++) {
      Procs.Result a = Procs.captured(list, Duration.ofSeconds(60)).check();
      Procs.Result b = Procs.captured(floor, Duration.ofSeconds(60)).check();
      if (i >= 0) {
        tList.add(a.millis());
        tFloor.add(b.millis());
      }
    }
    c.report.add("cli", "conmanctl list", Stats.of(tList), "ms", null, Target.max(300, "ms"), null);
    c.report.add("cli", "java -version (floor)", Stats.of(tFloor), "ms", null, null, "same JVM flags as bin/conmanctl");
  }
}
