package dev.conman.runc;

import java.time.Duration;
import java.time.Instant;

/**
 * One sample of a running container's cgroup counters ({@code runc events --stats}).
 *
 * @param cpuNanos         CPU time used since the container started, all CPUs, user and system
 * @param memoryBytes      memory charged to the container's cgroup now (including page cache,
 *                         as {@code memory.usage_in_bytes} / {@code memory.current} report it)
 * @param memoryLimitBytes the cgroup's memory limit; {@link #UNLIMITED} when there is none
 * @param pids             tasks (processes and threads) in the container now
 * @param at               when the sample was taken
 */
public record ContainerStats(long cpuNanos, long memoryBytes, long memoryLimitBytes, long pids, Instant at) {

  /**
   * A memory limit that is no limit. The kernel reports "unlimited" as a huge number (v1:
   * 9223372036854771712, v2 through runc: 2^64-1); any value of 2^62 or more reads as this.
   */
  public static final long UNLIMITED = Long.MAX_VALUE;

  public boolean memoryLimited() {
    return memoryLimitBytes != UNLIMITED;
  }

  /**
   * CPU use between two samples of the same container in percent of one CPU, docker's way:
   * 200 is two CPUs busy. 0 when the samples are not in order or the counter went back (the
   * container restarted in between).
   */
  public static double cpuPercent(ContainerStats earlier, ContainerStats later) {
    long wall = Duration.between(earlier.at(), later.at()).toNanos();
    long cpu = later.cpuNanos() - earlier.cpuNanos();
    if (wall <= 0 || cpu < 0) {
      return 0;
    }
    return 100.0 * cpu / wall;
  }
}
