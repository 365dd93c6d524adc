package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The kernel's count of OOM kills in a container's memory cgroup: the second source for
 * {@link ExitRecord#oomKilled()} next to conmon's oom file, readable from the container's exit
 * until {@code runc delete} removes the cgroup. The cgroup's directories are the ones runc
 * recorded in its state.json ({@code cgroup_paths}): on cgroup v1 the "memory" one, whose
 * memory.oom_control has an {@code oom_kill} line (kernel 4.13 and later); on cgroup v2 the
 * unified one (key ""), whose memory.events has one too.
 */
final class CgroupOom {

  private static final Logger log = LoggerFactory.getLogger(CgroupOom.class);

  private CgroupOom() {}

  /** @return the OOM kills so far; 0 when runc's state or the cgroup is gone or unreadable */
  static long kills(Path runcStateJson) {
    Optional<RuncStateFile> state;
    try {
      state = RuncStateFile.read(runcStateJson);
    } catch (IOException e) {
      log.debug("cannot read runc state {}: {}", runcStateJson, e.toString());
      return 0;
    }
    return state.flatMap(s -> s.cgroupFile("memory", "memory.oom_control", "memory.events"))
        .map(CgroupOom::counter).orElse(0L);
  }

  private static long counter(Path file) {
    try {
      return parseOomKill(Files.readString(file));
    } catch (IOException e) {
      return 0;
    }
  }

  /** The value of the {@code oom_kill} line of memory.oom_control or memory.events; 0 without. */
  static long parseOomKill(String content) {
    for (String line : content.split("\n")) {
      String[] fields = line.strip().split("\\s+");
      if (fields.length == 2 && fields[0].equals("oom_kill")) {
        try {
          return Long.parseLong(fields[1]);
        } catch (NumberFormatException e) {
          return 0;
        }
      }
    }
    return 0;
  }
}
