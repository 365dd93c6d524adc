package dev.conman.runc;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Reads the processes {@code runc ps} names from {@code /proc}: what {@code ps} would print for them,
 * with their pids as the container sees them. A process that ends while it is read is left out.
 */
final class ProcessTable {

  /** The kernel's clock ticks per second in /proc (USER_HZ): 100 on every Linux ABI. */
  private static final long TICKS_PER_SECOND = 100;
  private static final long NANOS_PER_TICK = 1_000_000_000L / TICKS_PER_SECOND;
  /** cmdline is read to this length: arguments beyond it are of no use in a listing. */
  private static final int MAX_CMDLINE = 64 * 1024;

  private final Path proc;

  ProcessTable(Path proc) {
    this.proc = proc;
  }

  /** The processes among {@code hostPids} that still exist, oldest first (the init leads). */
  List<ContainerProcess> read(List<Long> hostPids) {
    Instant boot = bootTime();
    Map<Long, Long> containerPids = new HashMap<>();
    List<Raw> raws = new ArrayList<>();
    for (long hostPid : hostPids) {
      read(hostPid).ifPresent(raw -> {
        raws.add(raw);
        containerPids.put(raw.hostPid, raw.containerPid);
      });
    }
    // the init's view of the root is the container's (a process may have changed its own)
    Map<Long, String> users = raws.stream().min(Comparator.comparingLong(Raw::containerPid))
        .map(init -> userNames(init.hostPid)).orElse(Map.of());
    List<ContainerProcess> processes = new ArrayList<>();
    for (Raw r : raws) {
      processes.add(new ContainerProcess(r.containerPid, r.hostPid, containerPids.getOrDefault(r.hostPpid, 0L),
          r.uid, users.getOrDefault(r.uid, ""), r.state, r.cpuTicks * NANOS_PER_TICK,
          boot.plusNanos(r.startTicks * NANOS_PER_TICK), r.command));
    }
    processes.sort(Comparator.comparing(ContainerProcess::startedAt).thenComparingLong(ContainerProcess::pid));
    return processes;
  }

  private record Raw(long hostPid, long containerPid, long hostPpid, long uid, String state, long cpuTicks,
      long startTicks, List<String> command) {}

  private Optional<Raw> read(long hostPid) {
    Path dir = proc.resolve(Long.toString(hostPid));
    try {
      String stat = Files.readString(dir.resolve("stat"), StandardCharsets.UTF_8);
      // the name is in parentheses and may hold any character, ")" and spaces too: fields follow the last ")"
      int close = stat.lastIndexOf(')');
      String name = stat.substring(stat.indexOf('(') + 1, close);
      String[] f = stat.substring(close + 2).trim().split(" ");
      long containerPid = hostPid;
      long uid = -1;
      for (String line : Files.readAllLines(dir.resolve("status"), StandardCharsets.UTF_8)) {
        if (line.startsWith("NSpid:")) {
          String[] ids = line.substring("NSpid:".length()).trim().split("\\s+");
          containerPid = Long.parseLong(ids[ids.length - 1]);
        } else if (line.startsWith("Uid:")) {
          uid = Long.parseLong(line.substring("Uid:".length()).trim().split("\\s+")[1]);
        }
      }
      List<String> command = command(dir);
      return Optional.of(new Raw(hostPid, containerPid, Long.parseLong(f[1]), uid, f[0],
          Long.parseLong(f[11]) + Long.parseLong(f[12]), Long.parseLong(f[19]),
          command.isEmpty() ? List.of("[" + name + "]") : command));
    } catch (IOException | RuntimeException e) {
      return Optional.empty(); // it ended meanwhile
    }
  }

  private static List<String> command(Path dir) throws IOException {
    byte[] bytes;
    try (var in = Files.newInputStream(dir.resolve("cmdline"))) {
      bytes = in.readNBytes(MAX_CMDLINE);
    }
    if (bytes.length == 0) {
      return List.of();
    }
    String all = new String(bytes, StandardCharsets.UTF_8);
    if (all.endsWith("\0")) {
      all = all.substring(0, all.length() - 1);
    }
    return Arrays.asList(all.split("\0", -1));
  }

  private Instant bootTime() {
    try {
      for (String line : Files.readAllLines(proc.resolve("stat"))) {
        if (line.startsWith("btime ")) {
          return Instant.ofEpochSecond(Long.parseLong(line.substring("btime ".length()).trim()));
        }
      }
    } catch (IOException | NumberFormatException e) {
      // no boot time: start times read as seconds since boot
    }
    return Instant.EPOCH;
  }

  /**
   * User names from the container's own /etc/passwd, as one of its processes sees its root; the
   * file is read confined to that root (its links cannot lead out), and a bad one names nobody.
   */
  private Map<Long, String> userNames(long hostPid) {
    Map<Long, String> names = new HashMap<>();
    try {
      for (UserResolver.PasswdEntry e : UserResolver.readPasswd(proc.resolve(Long.toString(hostPid)).resolve("root"))) {
        names.putIfAbsent(e.uid(), e.name());
      }
    } catch (RuntimeException e) {
      // no names: uids are shown
    }
    return names;
  }
}
