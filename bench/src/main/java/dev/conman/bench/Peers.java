package dev.conman.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * containerd (ctr) and podman, as ../shared/bench/peers/ runs them: private containerd socket,
 * podman with private storage, the busybox image from the local registry. Each is null when not
 * installed or not asked for (run.sh --peers).
 */
public record Peers(String ctr, String podman, String image, Path errLog) {

  static final Duration TIMEOUT = Duration.ofSeconds(120);

  public boolean hasCtr() {
    return ctr != null && !ctr.isBlank();
  }

  public boolean hasPodman() {
    return podman != null && !podman.isBlank();
  }

  public Procs.Result ctrRunRm(String id) {
    return Procs.detached(Procs.words(ctr, "run", "--rm", image, id, "/bin/true"), errLog, TIMEOUT);
  }

  public Procs.Result podmanRunRm(String id) {
    return Procs.detached(Procs.words(podman, "run", "--rm", "--network", "none", image, "/bin/true"), errLog,
        TIMEOUT);
  }

  public Procs.Result ctrStart(String id) {
    return Procs.detached(Procs.words(ctr, "run", "-d", "--null-io", image, id, "sleep", "300"), errLog, TIMEOUT);
  }

  public Procs.Result ctrRemove(String id) {
    Procs.Result r = Procs.detached(Procs.words(ctr, "task", "rm", "-f", id), errLog, TIMEOUT);
    Procs.Result c = Procs.detached(Procs.words(ctr, "container", "rm", id), errLog, TIMEOUT);
    return r.ok() ? c : r;
  }

  public long ctrCountRunning(String prefix) {
    return count(Procs.captured(Procs.words(ctr, "task", "ls"), TIMEOUT).out(), prefix, "RUNNING");
  }

  public long ctrCount(String prefix) {
    return count(Procs.captured(Procs.words(ctr, "container", "ls", "-q"), TIMEOUT).out(), prefix, null);
  }

  public Procs.Result podmanStart(String id) {
    return Procs.detached(Procs.words(podman, "run", "-d", "--network", "none", "--name", id, image, "sleep", "300"),
        errLog, TIMEOUT);
  }

  public Procs.Result podmanRemove(String id) {
    return Procs.detached(Procs.words(podman, "rm", "-f", "-t", "0", id), errLog, TIMEOUT);
  }

  public long podmanCountRunning(String prefix) {
    return count(Procs.captured(Procs.words(podman, "ps", "--format", "{{.Names}}"), TIMEOUT).out(), prefix, null);
  }

  public long podmanCount(String prefix) {
    return count(Procs.captured(Procs.words(podman, "ps", "-a", "--format", "{{.Names}}"), TIMEOUT).out(), prefix,
        null);
  }

  public void removeAll(String prefix) {
    if (hasCtr()) {
      for (String line : Procs.captured(Procs.words(ctr, "container", "ls", "-q"), TIMEOUT).out().split("\n")) {
        if (line.startsWith(prefix)) {
          ctrRemove(line.trim());
        }
      }
    }
    if (hasPodman()) {
      for (String line : Procs.captured(Procs.words(podman, "ps", "-a", "--format", "{{.Names}}"), TIMEOUT).out()
          .split("\n")) {
        if (line.startsWith(prefix)) {
          podmanRemove(line.trim());
        }
      }
    }
  }

  private static long count(String out, String prefix, String status) {
    return List.of(out.split("\n")).stream()
        .map(String::trim)
        .filter(l -> l.startsWith(prefix))
        .filter(l -> status == null || List.of(l.split("\\s+")).contains(status))
        .count();
  }
}
