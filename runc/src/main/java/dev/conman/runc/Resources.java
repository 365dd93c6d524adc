package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Limits on what a container may use, written to the OCI spec's {@code linux.resources} at
 * create and applied to a running container by {@code runc update}. A null field is unset: no
 * limit at create, unchanged at update. runc translates the same values to cgroup v1 files
 * ({@code memory.limit_in_bytes}, {@code cpu.cfs_quota_us}, ...) or to cgroup v2 ones
 * ({@code memory.max}, {@code cpu.max}, {@code cpu.weight}, ...).
 *
 * @param memoryBytes     hard memory limit; at least {@link #MIN_MEMORY_BYTES} (docker's minimum)
 * @param memorySwapBytes memory plus swap (docker's {@code --memory-swap}, OCI's {@code swap}):
 *                        at least {@code memoryBytes}, or -1 for unlimited swap
 * @param cpuQuota        CFS quota in microseconds per {@code cpuPeriod}: 1000 (1 ms) or more
 * @param cpuPeriod       CFS period in microseconds, 1000 to 1000000 (the kernel's bounds)
 * @param cpuShares       relative CPU weight, 2 to 262144 (1024 is the default of a cgroup)
 * @param pidsLimit       at most this many tasks (processes and threads) in the container
 * @param cpusetCpus      the CPUs the container may run on, Linux list syntax: "0-1,3"
 */
public record Resources(Long memoryBytes, Long memorySwapBytes, Long cpuQuota, Long cpuPeriod,
    Long cpuShares, Long pidsLimit, String cpusetCpus) {

  /** No limits. */
  public static final Resources NONE = new Resources(null, null, null, null, null, null, null);

  /** Docker refuses less; a smaller limit OOM-kills even a shell while runc sets it up. */
  public static final long MIN_MEMORY_BYTES = 6L << 20;
  /** The CFS period that {@link #cpus(double)} uses, docker's. */
  public static final long DEFAULT_CPU_PERIOD = 100_000;
  public static final long MIN_CPU_QUOTA = 1_000;
  public static final long MIN_CPU_PERIOD = 1_000;
  public static final long MAX_CPU_PERIOD = 1_000_000;
  public static final long MIN_CPU_SHARES = 2;
  public static final long MAX_CPU_SHARES = 262_144;
  /** A CPU number beyond any kernel's NR_CPUS is a typo, not a machine. */
  static final int MAX_CPU_INDEX = 8191;

  private static final Pattern CPU_LIST = Pattern.compile("\\d+(-\\d+)?(,\\d+(-\\d+)?)*");
  private static final Path ONLINE_CPUS = Path.of("/sys/devices/system/cpu/online");

  public Resources {
    if (memoryBytes != null && memoryBytes < MIN_MEMORY_BYTES) {
      throw new IllegalArgumentException("memory limit " + memoryBytes + " bytes is "
          + (memoryBytes <= 0 ? "not positive" : "too small") + ": the minimum is "
          + MIN_MEMORY_BYTES + " bytes (6 MiB)");
    }
    if (memorySwapBytes != null && memorySwapBytes != -1) {
      if (memorySwapBytes <= 0) {
        throw new IllegalArgumentException("memory+swap limit " + memorySwapBytes
            + " must be positive, or -1 for unlimited swap");
      }
      if (memoryBytes != null && memorySwapBytes < memoryBytes) {
        throw new IllegalArgumentException("memory+swap limit " + memorySwapBytes
            + " must not be smaller than the memory limit " + memoryBytes
            + " (it counts memory and swap together; -1 for unlimited swap)");
      }
    }
    if (cpuQuota != null && cpuQuota < MIN_CPU_QUOTA) {
      throw new IllegalArgumentException("CPU quota " + cpuQuota + " us must be at least "
          + MIN_CPU_QUOTA + " us (0.01 CPUs with the default period)");
    }
    if (cpuPeriod != null && (cpuPeriod < MIN_CPU_PERIOD || cpuPeriod > MAX_CPU_PERIOD)) {
      throw new IllegalArgumentException("CPU period " + cpuPeriod + " us must be between "
          + MIN_CPU_PERIOD + " and " + MAX_CPU_PERIOD + " us");
    }
    if (cpuShares != null && (cpuShares < MIN_CPU_SHARES || cpuShares > MAX_CPU_SHARES)) {
      throw new IllegalArgumentException("CPU shares " + cpuShares + " must be between "
          + MIN_CPU_SHARES + " and " + MAX_CPU_SHARES);
    }
    if (pidsLimit != null && pidsLimit <= 0) {
      throw new IllegalArgumentException("pids limit " + pidsLimit + " must be positive");
    }
    if (cpusetCpus != null) {
      cpusetCpus = cpusetCpus.strip();
      parseCpuList(cpusetCpus);
    }
  }

  /**
   * docker's {@code --cpus}: {@code cpus} CPUs' worth of time per 100 ms period (0.5: a quota of
   * 50000 us per 100000 us).
   */
  public static Resources cpus(double cpus) {
    return NONE.withCpus(cpus);
  }

  public Resources withMemory(Long bytes) {
    return new Resources(bytes, memorySwapBytes, cpuQuota, cpuPeriod, cpuShares, pidsLimit, cpusetCpus);
  }

  public Resources withMemorySwap(Long bytes) {
    return new Resources(memoryBytes, bytes, cpuQuota, cpuPeriod, cpuShares, pidsLimit, cpusetCpus);
  }

  /** Sets quota and period from a number of CPUs, see {@link #cpus(double)}. */
  public Resources withCpus(double cpus) {
    if (!(cpus > 0) || Double.isInfinite(cpus)) {
      throw new IllegalArgumentException("CPUs " + cpus + " must be a positive number");
    }
    long quota = Math.round(cpus * DEFAULT_CPU_PERIOD);
    if (quota < MIN_CPU_QUOTA) {
      throw new IllegalArgumentException("CPUs " + cpus + " is too small: the minimum is 0.01");
    }
    return new Resources(memoryBytes, memorySwapBytes, quota, DEFAULT_CPU_PERIOD, cpuShares,
        pidsLimit, cpusetCpus);
  }

  public Resources withCpuShares(Long shares) {
    return new Resources(memoryBytes, memorySwapBytes, cpuQuota, cpuPeriod, shares, pidsLimit, cpusetCpus);
  }

  public Resources withPidsLimit(Long limit) {
    return new Resources(memoryBytes, memorySwapBytes, cpuQuota, cpuPeriod, cpuShares, limit, cpusetCpus);
  }

  public Resources withCpusetCpus(String cpus) {
    return new Resources(memoryBytes, memorySwapBytes, cpuQuota, cpuPeriod, cpuShares, pidsLimit, cpus);
  }

  /** Whether no field is set. */
  public boolean isEmpty() {
    return equals(NONE);
  }

  /** The CPU time the quota allows, in CPUs (0.5 for half a CPU); empty without a quota. */
  public Optional<Double> cpus() {
    if (cpuQuota == null) {
      return Optional.empty();
    }
    return Optional.of(cpuQuota / (double) (cpuPeriod == null ? DEFAULT_CPU_PERIOD : cpuPeriod));
  }

  /**
   * Checks what only the host can say: that the cpuset names online CPUs and that the quota
   * does not ask for more CPUs than there are (runc's own errors for these are "numerical
   * result out of range" or silence). Does nothing when the host's CPU list is unreadable, or
   * when there are no CPU limits to check (most containers: no need to read sysfs then).
   */
  public void checkHost() {
    if (cpusetCpus == null && cpus().isEmpty()) {
      return;
    }
    try {
      checkHost(Files.readString(ONLINE_CPUS).strip());
    } catch (IOException e) {
      // not Linux, or sysfs not mounted: runc will say what is wrong
    }
  }

  /** @param onlineCpus the host's online CPUs in list syntax, as in /sys/devices/system/cpu/online */
  void checkHost(String onlineCpus) {
    SortedSet<Integer> online = parseCpuList(onlineCpus);
    if (cpusetCpus != null) {
      SortedSet<Integer> missing = parseCpuList(cpusetCpus);
      missing.removeAll(online);
      if (!missing.isEmpty()) {
        throw new IllegalArgumentException("cpuset " + cpusetCpus + " names CPUs this host does not have: "
            + missing + " (online: " + onlineCpus + ")");
      }
    }
    Optional<Double> cpus = cpus();
    if (cpus.isPresent() && cpus.get() > online.size()) {
      throw new IllegalArgumentException(String.format(java.util.Locale.ROOT,
          "CPUs %.2f is more than this host has: %d are online", cpus.get(), online.size()));
    }
  }

  /**
   * Parses a CPU list: comma-separated numbers and ascending ranges, "0-1,3".
   *
   * @throws IllegalArgumentException with the reason for a malformed list
   */
  public static SortedSet<Integer> parseCpuList(String list) {
    if (list == null || !CPU_LIST.matcher(list).matches()) {
      throw new IllegalArgumentException("cpuset '" + list
          + "' is not a CPU list: numbers and ranges separated by commas, e.g. \"0-1,3\"");
    }
    SortedSet<Integer> cpus = new TreeSet<>();
    for (String part : list.split(",")) {
      String[] bounds = part.split("-");
      int first = cpuIndex(bounds[0], list);
      int last = bounds.length == 1 ? first : cpuIndex(bounds[1], list);
      if (last < first) {
        throw new IllegalArgumentException("cpuset '" + list + "': range " + part + " is descending");
      }
      for (int cpu = first; cpu <= last; cpu++) {
        cpus.add(cpu);
      }
    }
    return cpus;
  }

  private static int cpuIndex(String text, String list) {
    if (text.length() > 4 || Integer.parseInt(text) > MAX_CPU_INDEX) {
      throw new IllegalArgumentException("cpuset '" + list + "': CPU " + text + " is beyond "
          + MAX_CPU_INDEX);
    }
    return Integer.parseInt(text);
  }
}
