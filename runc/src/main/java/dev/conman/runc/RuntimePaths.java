package dev.conman.runc;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * Where runc and conmon keep their per-container runtime state. These directories belong under
 * a tmpfs such as {@code /run/conman}: their content describes live processes and must not
 * survive a reboot, while the exit files must survive a daemon restart.
 *
 * @param runcRoot  runc's {@code --root}: conman's own, so it never sees other managers' containers
 * @param exitDir   conmon's {@code --exit-dir}: one file per ended container, named by id
 * @param attachDir conmon's {@code --socket-dir-path}: per-container links to the attach sockets
 * @param conmonDir conmon's pid files, the create sync FIFO, conmon's own output and runc's logs
 * @param execSessions one directory per detached exec session that conmon runs ({@link DetachedExecs})
 */
public record RuntimePaths(Path runcRoot, Path exitDir, Path attachDir, Path conmonDir, Path execSessions) {

  /** The standard layout under one state directory (e.g. {@code /run/conman}). */
  public static RuntimePaths under(Path stateDir) {
    Path base = stateDir.toAbsolutePath();
    return new RuntimePaths(base.resolve("runc"), base.resolve("exits"), base.resolve("attach"),
        base.resolve("conmon"), base.resolve("execs"));
  }

  public RuntimePaths {
    // conmon and runc are given these paths as arguments and may run with another cwd
    runcRoot = runcRoot.toAbsolutePath();
    exitDir = exitDir.toAbsolutePath();
    attachDir = attachDir.toAbsolutePath();
    conmonDir = conmonDir.toAbsolutePath();
    execSessions = execSessions.toAbsolutePath();
  }

  /**
   * Creates the directories, mode 0700 when new: they hold pids, logs of runc errors and the
   * attach links, which only the daemon (root) has any business reading.
   */
  public void createDirectories() throws IOException {
    for (Path dir : List.of(runcRoot, exitDir, attachDir, conmonDir, execSessions)) {
      Files.createDirectories(dir.getParent());
      try {
        Files.createDirectory(
            dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (FileAlreadyExistsException e) {
        if (!Files.isDirectory(dir)) {
          throw e;
        }
      }
    }
  }

  /** runc's directory of a container: its state.json and, until the start, its exec.fifo. */
  public Path runcDir(String id) {
    return runcRoot.resolve(id);
  }

  /** conmon writes the container's exit code here. */
  public Path exitFile(String id) {
    return exitDir.resolve(id);
  }

  /** conmon's {@code -p}: the container's init pid, written by {@code runc create}. */
  public Path containerPidFile(String id) {
    return conmonDir.resolve(id + ".pid");
  }

  /**
   * runc's pid file of one exec session, named by the container and the session's id as journaled:
   * one left at a start is a session of an earlier daemon ({@link LostExecs}).
   */
  public Path execPidFile(String id, String execId) {
    return conmonDir.resolve(id + EXEC_PID_INFIX + execId + ".pid");
  }

  /** runc's JSON log of one exec session: its error when it could not start the process. */
  public Path execLog(String id, String execId) {
    return conmonDir.resolve(id + EXEC_PID_INFIX + execId + ".json");
  }

  /** The directory of a detached exec session that conmon runs. */
  public Path execSessionDir(String execId) {
    return execSessions.resolve(execId);
  }

  /** Between the container id and the session id in {@link #execPidFile} and {@link #execLog}. */
  static final String EXEC_PID_INFIX = ".exec-";

  /** conmon's {@code -P}: the pid of the daemonized conmon. */
  public Path conmonPidFile(String id) {
    return conmonDir.resolve(id + ".conmon.pid");
  }

  /** conmon's own stdout and stderr: its argument errors before it daemonizes. */
  public Path conmonOutput(String id) {
    return conmonDir.resolve(id + ".conmon.log");
  }

  /** runc's JSON log for the {@code runc create} that conmon runs. */
  public Path createLog(String id) {
    return conmonDir.resolve(id + ".create.json");
  }

  /**
   * conmon's {@code --persist-dir}: it writes {@code exit} (the code, again) and, when the
   * kernel OOM-killed a process of the container, an empty file {@code oom}.
   */
  public Path persistDir(String id) {
    return conmonDir.resolve(id + ".persist");
  }

  /** The link conmon makes from the attach directory to the bundle (where the socket lives). */
  public Path attachLink(String id) {
    return attachDir.resolve(id);
  }

  /** Removes a directory of plain files (the persist dir); links in it are removed, not followed. */
  static void deleteFlatDirectory(Path dir) throws IOException {
    try (var entries = Files.list(dir)) {
      for (Path entry : entries.toList()) {
        Files.deleteIfExists(entry);
      }
    } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
      // nothing to empty; a plain file in its place is removed below
    }
    Files.deleteIfExists(dir);
  }

  /**
   * What the conmon directory holds, listed once at a start for the sweeps that read it (stale logs,
   * failed creates' leftovers, lost exec sessions).
   */
  List<Path> conmonDirEntries() throws IOException {
    try (var entries = java.nio.file.Files.list(conmonDir)) {
      return entries.toList();
    }
  }

  /** Files whose name matches {@code glob}, as a directory listing's filter would take them. */
  static java.util.function.Predicate<Path> named(String glob) {
    java.nio.file.PathMatcher matcher = java.nio.file.FileSystems.getDefault().getPathMatcher("glob:" + glob);
    return file -> matcher.matches(file.getFileName());
  }

  /** Every per-container file conmon or the create step leaves behind (not the exit file). */
  List<Path> conmonFiles(String id) {
    return List.of(
        containerPidFile(id), conmonPidFile(id), conmonOutput(id), createLog(id),
        attachLink(id));
  }
}
