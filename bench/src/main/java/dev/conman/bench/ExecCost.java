package dev.conman.bench;

import java.time.Duration;
import java.util.List;
import java.util.Locale;

/**
 * What starting one program costs this machine, in CPU: the runtime floor runs one program per
 * container more than bare runc (conmon), so this is the part of the floor no daemon can remove.
 * On a VM whose hypervisor traps CPUID, every program that starts pays for glibc's CPU-feature and
 * cache probes (about 40% of conmon's CPU under perf here). Measured as the harness's reaped
 * children's CPU over many sequential runs, since /proc counts it in 10 ms ticks.
 */
final class ExecCost {

  private static final int RUNS = 200;

  private ExecCost() {}

  /** A note: CPU per run of {@code /bin/true} and of {@code conmon --version}. */
  static String note() {
    long harness = ProcessHandle.current().pid();
    StringBuilder b = new StringBuilder("CPU to start one program here (" + RUNS + " sequential runs each, ms):");
    for (List<String> command : List.of(List.of("/bin/true"), List.of(Procs.onPath("conmon").toString(), "--version"))) {
      long[] before = Procs.cpuMs(harness);
      for (int i = 0; i < RUNS; i++) {
        Procs.captured(command, Duration.ofSeconds(10)).check();
      }
      long[] after = Procs.cpuMs(harness);
      double each = (after[2] + after[3] - before[2] - before[3]) / (double) RUNS;
      b.append(String.format(Locale.ROOT, " %s %.2f", String.join(" ", command), each));
    }
    return b.toString();
  }
}
