package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Deletes a stopped container without starting a runc process ({@code runc delete} costs 5-7 ms
 * of latency and of CPU, as much as the rest of a one-shot's delete): what runc 1.1 does for a
 * stopped container whose config needs nothing more, and nothing else. Its destroy then removes the
 * container's cgroup directories (empty: the processes ended with the init, in the container's own
 * PID namespace) and its state directory.
 *
 * <p>Like {@link InitStart} and {@link InitSignal}, this takes the short path only where the
 * outcome is the one runc would give, and answers {@link Outcome#ASK_RUNC} everywhere else, so that
 * runc does the work and words any refusal: no state.json (no such container), an init that still
 * runs, a frozen cgroup (paused), a shared PID namespace (runc kills what is left in the cgroup),
 * the systemd cgroup driver (a unit to stop), Intel RDT, rootless cgroups, poststop hooks (runc
 * runs them after the removal), and a cgroup directory that cannot be removed (processes or child
 * cgroups in it: runc kills, walks and retries). What was removed before such a failure is what
 * runc would have removed first; it skips what is gone.
 */
final class StoppedDelete {

  enum Outcome {
    DELETED,
    ASK_RUNC
  }

  private StoppedDelete() {}

  /** @param containerDir runc's directory of the container, {@code <runc root>/<id>} */
  static Outcome delete(Path containerDir) {
    Optional<RuncStateFile> state;
    try {
      state = RuncStateFile.read(containerDir.resolve(RuncStateFile.NAME));
      if (state.isEmpty() || state.get().initPid() <= 0 || !state.get().plainTeardown()
          || InitSignal.frozen(state.get()) || !InitSignal.initGone(state.get())) {
        return Outcome.ASK_RUNC;
      }
      for (Path cgroup : state.get().cgroupDirs()) {
        // rmdir: the kernel refuses a cgroup that still has processes or child cgroups
        Files.deleteIfExists(cgroup);
      }
      removeStateDirectory(containerDir);
    } catch (IOException | RuntimeException e) {
      return Outcome.ASK_RUNC;
    }
    return Outcome.DELETED;
  }

  /**
   * runc's directory holds state.json and, before a start, exec.fifo. Anything else (a checkpoint
   * directory) is runc's to remove. state.json goes last: until then runc still knows the container.
   */
  private static void removeStateDirectory(Path dir) throws IOException {
    java.util.List<Path> entries;
    try (var listing = Files.list(dir)) {
      entries = listing.toList();
    }
    for (Path entry : entries) {
      if (Files.isDirectory(entry, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        throw new IOException(entry + " is a directory");
      }
    }
    for (Path entry : entries) {
      if (!entry.getFileName().toString().equals(RuncStateFile.NAME)) {
        Files.delete(entry);
      }
    }
    Files.delete(dir.resolve(RuncStateFile.NAME));
    Files.delete(dir);
  }
}
