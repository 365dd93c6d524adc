package dev.conman.cli;

import dev.conman.api.v1.ContainerProcess;
import dev.conman.api.v1.ContainerProcessesResponse;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;

/** The processes of a container: a table like ps's (docker top, podman top), or JSON. */
final class ProcessFormat {
  private static final DateTimeFormatter TIME_OF_DAY = DateTimeFormatter.ofPattern("HH:mm:ss");

  private ProcessFormat() {}

  /**
   * Columns PID (in the container), HOST PID, PPID, USER (the uid without a name), STATE, TIME
   * (CPU, as ps: [D-]HH:MM:SS), STARTED (local time of day), COMMAND; a header even when empty.
   */
  static String table(ContainerProcessesResponse r, ZoneId zone) {
    List<String[]> lines = new ArrayList<>();
    lines.add(new String[] {"PID", "HOST PID", "PPID", "USER", "STATE", "TIME", "STARTED", "COMMAND"});
    for (ContainerProcess p : r.getProcessesList()) {
      lines.add(new String[] {
        Long.toString(p.getPid()),
        Long.toString(p.getHostPid()),
        Long.toString(p.getPpid()),
        p.getUser().isEmpty() ? Long.toString(p.getUid()) : p.getUser(),
        p.getState(),
        cpuTime(p.getCpuNanos()),
        TIME_OF_DAY.format(Timestamps.instant(p.getStartedAt()).atZone(zone)),
        String.join(" ", p.getCommandList())
      });
    }
    return ContainerFormat.align(lines);
  }

  /** 00:01:05, or 2-03:00:00 after a day, as ps shows CPU time. */
  static String cpuTime(long nanos) {
    long seconds = nanos / 1_000_000_000L;
    long days = seconds / 86_400;
    String time = String.format(java.util.Locale.ROOT, "%02d:%02d:%02d", seconds / 3600 % 24, seconds / 60 % 60, seconds % 60);
    return days > 0 ? days + "-" + time : time;
  }

  /** One JSON object: the container's id and its processes with the proto's field names. */
  static String json(ContainerProcessesResponse r) {
    List<String> processes = new ArrayList<>();
    for (ContainerProcess p : r.getProcessesList()) {
      processes.add(Json.object()
          .put("pid", p.getPid())
          .put("host_pid", p.getHostPid())
          .put("ppid", p.getPpid())
          .put("uid", p.getUid())
          .put("user", p.getUser())
          .put("state", p.getState())
          .put("cpu_nanos", p.getCpuNanos())
          .put("started_at", Timestamps.json(p.hasStartedAt(), p.getStartedAt()))
          .put("command", p.getCommandList())
          .toString());
    }
    return Json.object().put("id", r.getId()).putArray("processes", processes).toString();
  }
}
