package dev.conman.runc;

import dev.conman.runc.ContainerRuntime.LostExec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Exec sessions an earlier daemon left behind: runc's pid files of sessions it had not seen end
 * ({@link RuntimePaths#execPidFile}), found at a start, before this daemon runs any exec.
 *
 * <p>A session lives as long as the daemon that runs {@code runc exec}: its client's stream ended
 * with that daemon, and so did its stdio (a terminal's process got SIGHUP; a process without one
 * writes to a pipe nobody reads), and nobody would learn its exit code. A process still running is
 * killed, so that the journal can say how each session ended. Pids are reused: one is killed only
 * while its cgroup is the container's.
 */
final class LostExecs {

  private LostExecs() {}

  /** Kills what still runs of each lost session and removes its pid file. */
  static List<LostExec> collect(List<Path> conmonDirEntries) throws IOException {
    List<LostExec> lost = new ArrayList<>();
    var pidFiles = RuntimePaths.named("*" + RuntimePaths.EXEC_PID_INFIX + "*.pid");
    for (Path file : conmonDirEntries) {
      if (pidFiles.test(file)) {
        String name = file.getFileName().toString();
        int infix = name.indexOf(RuntimePaths.EXEC_PID_INFIX);
        String containerId = name.substring(0, infix);
        String execId = name.substring(infix + RuntimePaths.EXEC_PID_INFIX.length(), name.length() - ".pid".length());
        boolean killed = pid(file).map(pid -> killIfIn(pid, containerId)).orElse(false);
        Files.deleteIfExists(file);
        lost.add(new LostExec(containerId, execId, killed));
      }
    }
    return lost;
  }

  /** SIGKILL to {@code pid} if it is a process in the container's cgroup; whether it was sent. */
  static boolean killIfIn(long pid, String containerId) {
    String cgroup = ":" + OciSpec.cgroupsPath(containerId);
    try {
      boolean inside = Files.readAllLines(Path.of("/proc", Long.toString(pid), "cgroup")).stream()
          .anyMatch(line -> line.endsWith(cgroup));
      return inside && ProcessHandle.of(pid).map(ProcessHandle::destroyForcibly).orElse(false);
    } catch (IOException e) {
      return false; // gone
    }
  }

  /** runc writes the pid once the process runs; a session that died before that has none. */
  private static Optional<Long> pid(Path file) {
    try {
      return Optional.of(Long.parseLong(Files.readString(file).trim()));
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }
}
