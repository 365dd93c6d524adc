package dev.conman.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conman.runc.ContainerRuntime.DetachedExec;
import dev.conman.runc.ContainerRuntime.ExecRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Detached exec sessions (docker exec -d) run by conmon ({@code --exec}), as podman runs them:
 * conmon runs {@code runc exec --detach}, stays as the process's parent and writes its exit code,
 * so a session outlives the daemon that started it, and the next daemon still learns how it ended.
 *
 * <p>Each session has a directory of its own ({@link RuntimePaths#execSessionDir}): the process
 * spec, conmon's pid file, its FIFOs (the session is conmon's bundle), the process's output
 * (conmon's log, bounded, never read: a detached exec's output is discarded, as docker does), runc's
 * log and the exit directory, where conmon names the exit file after the container.
 */
final class DetachedExecs {

  private static final Logger log = LoggerFactory.getLogger(DetachedExecs.class);
  private static final ObjectMapper MAPPER = new ObjectMapper();
  /** The output of a detached exec is kept by conmon in a file of at most this size, then restarted. */
  private static final long OUTPUT_MAX = 1 << 20;
  /** conmon's exit code for a process it killed at its timeout. */
  private static final int CONMON_TIMED_OUT = -1;
  /** What an exec killed at its timeout ends with, as the attached exec's SIGKILL gives. */
  static final int KILLED = 137;

  private final ConmonLauncher conmon;
  private final RuntimePaths paths;

  DetachedExecs(ConmonLauncher conmon, RuntimePaths paths) {
    this.conmon = conmon;
    this.paths = paths;
  }

  /**
   * Starts {@code request} in the running container {@code id} through conmon; returns once the
   * process runs (or could not be run: a command that cannot be run fails as runc's create would).
   *
   * @param bundle the container's bundle, whose process the exec's starts from
   * @param timeoutSeconds conmon kills the process after this long; 0: never
   * @return the process's pid
   */
  int start(String id, String execId, Path bundle, ExecRequest request, int timeoutSeconds) throws RuntimeFailure {
    Ids.check(id);
    Path dir = paths.execSessionDir(Ids.check("exec session id", execId));
    long deadline = conmon.deadline();
    try {
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      Files.createDirectory(exitDir(dir));
      Files.writeString(dir.resolve("container"), id, StandardCharsets.US_ASCII);
      JsonNode config = MAPPER.readTree(bundle.resolve("config.json").toFile());
      MAPPER.writeValue(dir.resolve("process.json").toFile(), ExecProcessSpec.of(config, request));
    } catch (IOException e) {
      forget(execId);
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot prepare exec session " + execId + ": " + e, e);
    }
    List<String> argv = conmon.commonArgs(id);
    argv.addAll(List.of("-u", execId, "-n", execId,
        "-b", dir.toString(),
        "-p", dir.resolve("pid").toString(),
        "-P", conmonPidFile(dir).toString(),
        "-l", "k8s-file:" + dir.resolve("output"),
        "--log-size-max", Long.toString(OUTPUT_MAX),
        "--exit-dir", exitDir(dir).toString(),
        // conmon links <socket dir>/<session id> to its bundle, even without an attach
        "--socket-dir-path", dir.toString(),
        "--exec", "--exec-process-spec", dir.resolve("process.json").toString(),
        "--runtime-arg", "--log=" + runcLog(dir),
        "--runtime-arg", "--log-format=json"));
    if (timeoutSeconds > 0) {
      argv.addAll(List.of("-T", Integer.toString(timeoutSeconds)));
    }
    try {
      SyncMessage message = conmon.run("exec in container " + id, argv, dir.resolve("conmon.log"), runcLog(dir),
          deadline);
      if (!message.succeeded()) {
        String error = ConmonLauncher.reportedError(message, runcLog(dir), "exec");
        throw CommandErrors.failure(error).orElseGet(() -> new RuntimeFailure(RuntimeFailure.Kind.FAILED,
            "exec in container " + id + " failed: " + error));
      }
      return message.data();
    } catch (RuntimeFailure e) {
      ConmonProcess.kill(conmonPidFile(dir));
      forget(execId);
      throw e;
    }
  }

  /** conmon's exit directory of a session: it writes the exit file there. */
  Path exitDir(String execId) {
    return exitDir(paths.execSessionDir(execId));
  }

  /** How the session's process ended, once conmon has written it. */
  Optional<Integer> exitCode(String containerId, String execId) {
    Path file = exitDir(paths.execSessionDir(execId)).resolve(containerId);
    try {
      int code = Integer.parseInt(Files.readString(file).strip());
      return Optional.of(code == CONMON_TIMED_OUT ? KILLED : code);
    } catch (IOException | NumberFormatException e) {
      return Optional.empty();
    }
  }

  /**
   * The sessions an earlier daemon started, found at a start: ended (with the code conmon wrote),
   * still running (their conmon waits for the process), or lost (conmon gone without an exit file).
   */
  List<DetachedExec> sessions() throws IOException {
    List<DetachedExec> found = new ArrayList<>();
    try (var dirs = Files.list(paths.execSessions())) {
      for (Path dir : dirs.toList()) {
        String execId = dir.getFileName().toString();
        String containerId = RuncCli.readQuietly(dir.resolve("container")).strip();
        if (containerId.isEmpty() || !Ids.isValid(containerId)) {
          // a start cut short before it wrote the container: nothing ran
          forget(execId);
          continue;
        }
        Optional<Integer> code = exitCode(containerId, execId);
        DetachedExec.State state = code.isPresent() ? DetachedExec.State.ENDED
            : ConmonProcess.alive(conmonPidFile(dir)) ? DetachedExec.State.RUNNING : DetachedExec.State.LOST;
        found.add(new DetachedExec(containerId, execId, state, code.orElse(null)));
      }
    }
    return found;
  }

  /** Removes the session's directory: its end is journaled, or it never began. */
  void forget(String execId) {
    Path dir = paths.execSessionDir(execId);
    try {
      RuntimePaths.deleteFlatDirectory(exitDir(dir));
      RuntimePaths.deleteFlatDirectory(dir);
    } catch (IOException e) {
      log.warn("cannot remove exec session directory {}: {}", dir, e.toString());
    }
  }

  private static Path exitDir(Path sessionDir) {
    return sessionDir.resolve("exits");
  }

  private static Path conmonPidFile(Path sessionDir) {
    return sessionDir.resolve("conmon.pid");
  }

  private static Path runcLog(Path sessionDir) {
    return sessionDir.resolve("runc.json");
  }
}
