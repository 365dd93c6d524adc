package dev.conman.cli;

import dev.conman.api.v1.ContainerStats;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Renders rounds of container stats like docker stats: a table for people (CPU and memory as
 * percentages, sizes in binary units) and, for scripts, one JSON array per round with the
 * proto's raw numbers plus the CPU percentage. Pure, like {@link ContainerFormat}.
 */
final class StatsFormat {
  private static final String NONE = "-";
  /**
   * A memory limit this large is no limit: cgroup v1 reports "unlimited" as the largest page
   * multiple below 2^63; the API's 0 means the same.
   */
  private static final long NO_LIMIT = 1L << 62;

  /** One container's figures, and its CPU use since the previous round (null: unknown). */
  record Row(ContainerStats stats, Double cpuPercent) {}

  private StatsFormat() {}

  /**
   * The CPU use between two samples of one container, in percent of one CPU (200 is two CPUs):
   * the CPU time used divided by the time between the samples. That time comes from the
   * samples' own timestamps when both have one, else it is {@code elapsed} (measured by
   * conmanctl). Null when it cannot be known: no earlier sample, no time between them, or a
   * counter that went back (the container was restarted).
   */
  static Double cpuPercent(ContainerStats before, ContainerStats after, Duration elapsed) {
    if (before == null) {
      return null;
    }
    long cpu = after.getCpuNanos() - before.getCpuNanos();
    long nanos = before.hasTime() && after.hasTime()
        ? Duration.between(Timestamps.instant(before.getTime()),
            Timestamps.instant(after.getTime())).toNanos()
        : elapsed.toNanos();
    if (cpu < 0 || nanos <= 0) {
      return null;
    }
    return cpu * 100.0 / nanos;
  }

  /** The rows of a round: {@code now}, each with its CPU use since its sample in {@code before}. */
  static List<Row> rows(List<ContainerStats> now, Map<String, ContainerStats> before,
      Duration elapsed) {
    List<Row> rows = new ArrayList<>();
    for (ContainerStats s : now) {
      rows.add(new Row(s, cpuPercent(before.get(s.getId()), s, elapsed)));
    }
    return rows;
  }

  /** Columns ID, NAME, CPU %, MEM USAGE / LIMIT, MEM %, PIDS; a header line even when empty. */
  static String table(List<Row> rows) {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"ID", "NAME", "CPU %", "MEM USAGE / LIMIT", "MEM %", "PIDS"});
    for (Row row : rows) {
      ContainerStats s = row.stats();
      lines.add(new String[] {
        ContainerFormat.shortId(s.getId()),
        s.getName(),
        row.cpuPercent() == null ? NONE : percent(row.cpuPercent()),
        memory(s),
        limited(s) ? percent(s.getMemoryBytes() * 100.0 / s.getMemoryLimitBytes()) : NONE,
        Long.toString(s.getPids())
      });
    }
    return ContainerFormat.align(lines);
  }

  /** 15.62MiB / 1GiB, or 15.62MiB / unlimited. */
  static String memory(ContainerStats s) {
    return Sizes.human(s.getMemoryBytes()) + " / "
        + (limited(s) ? Sizes.human(s.getMemoryLimitBytes()) : "unlimited");
  }

  private static boolean limited(ContainerStats s) {
    return s.getMemoryLimitBytes() > 0 && s.getMemoryLimitBytes() < NO_LIMIT;
  }

  private static String percent(double value) {
    return String.format(Locale.ROOT, "%.2f%%", value);
  }

  /** A round as one JSON array: the proto's fields plus cpu_percent (two decimals, or null). */
  static String json(List<Row> rows) {
    List<String> objects = new ArrayList<>();
    for (Row row : rows) {
      ContainerStats s = row.stats();
      objects.add(Json.object()
          .put("id", s.getId())
          .put("name", s.getName())
          .put("time", Timestamps.json(s.hasTime(), s.getTime()))
          .put("cpu_nanos", s.getCpuNanos())
          .put("memory_bytes", s.getMemoryBytes())
          .put("memory_limit_bytes", s.getMemoryLimitBytes())
          .put("pids", s.getPids())
          .put("cpu_percent", row.cpuPercent() == null ? null
              : BigDecimal.valueOf(row.cpuPercent()).setScale(2, RoundingMode.HALF_UP))
          .toString());
    }
    return Json.array(objects);
  }
}
