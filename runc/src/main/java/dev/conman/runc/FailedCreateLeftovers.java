package dev.conman.runc;

import java.io.IOException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * conmon's files of containers that runc does not know and whose conmon is gone: what the failed
 * creates of daemons before session 12 left (their clean-up removed conmon's process, not its
 * files). Removed at a start, before this daemon creates anything. The exit file and a persist
 * directory that holds anything (conmon's exit code, an oom mark) stay: a restart's reconciliation
 * may still read them for a container the journal knows.
 */
final class FailedCreateLeftovers {

  private static final Pattern CONMON_FILE = Pattern.compile("([0-9a-f]{64})\\.(create\\.json|conmon\\.log|conmon\\.pid|pid)");

  private FailedCreateLeftovers() {}

  /** @return the container ids whose files were removed */
  static Set<String> sweep(RuntimePaths paths, List<Path> conmonDirEntries) throws IOException {
    Set<String> ids = new TreeSet<>();
    for (Path file : conmonDirEntries) {
      Matcher m = CONMON_FILE.matcher(file.getFileName().toString());
      if (m.matches()) {
        ids.add(m.group(1));
      }
    }
    ids.removeIf(id -> Files.exists(paths.runcDir(id)) || ConmonProcess.find(paths.conmonPidFile(id)).isPresent());
    for (String id : ids) {
      for (Path file : paths.conmonFiles(id)) {
        Files.deleteIfExists(file);
      }
      if (Files.exists(paths.exitFile(id))) {
        // kept with the exit file: a create of this id must find it, and remove both (ConmonLauncher)
        continue;
      }
      try {
        Files.deleteIfExists(paths.persistDir(id));
      } catch (DirectoryNotEmptyException kept) {
        // conmon recorded something there
      }
    }
    return ids;
  }
}
