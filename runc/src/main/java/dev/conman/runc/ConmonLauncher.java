package dev.conman.runc;

import dev.conman.runc.ContainerRuntime.CreateRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a container through conmon, which runs {@code runc create} and then stays as the
 * container's parent: it holds the stdio, writes the log and the exit file, and survives the
 * daemon (it double-forks into its own session).
 *
 * <p>conmon reports the container pid, or runc's error, on a sync pipe, its fd 3
 * ({@link SyncPipeSpawn}). Its first process exits as soon as it has forked the one that stays, so
 * waiting for it is short; the wait that matters is for the sync message, which comes after
 * {@code runc create}.
 */
final class ConmonLauncher {

  private static final Logger log = LoggerFactory.getLogger(ConmonLauncher.class);

  private final Path conmon;
  private final RuntimePaths paths;
  private final RuncCli runc;
  private final Duration timeout;

  ConmonLauncher(Path conmon, RuntimePaths paths, RuncCli runc, Duration timeout) {
    this.conmon = conmon;
    this.paths = paths;
    this.runc = runc;
    this.timeout = timeout;
  }

  /** @return the container's init pid, as conmon reported it */
  int create(CreateRequest request) throws RuntimeFailure {
    String id = request.id();
    long deadline = deadline();
    refuseExisting(id);
    prepare(request);
    try {
      SyncMessage message = run("creating container " + id, argv(request), paths.conmonOutput(id),
          paths.createLog(id), deadline);
      if (!message.succeeded()) {
        throw createFailure(id, message);
      }
      log.debug("container {} created, pid {}", id, message.data());
      return message.data();
    } catch (RuntimeFailure e) {
      throw cleanUp(id, e);
    }
  }

  /**
   * Runs conmon ({@code argv}) and waits until it reports on its sync pipe: runc's outcome, a pid or
   * an error. Its first process exits as soon as it has forked the one that stays. Failures name
   * {@code what}, with runc's logged error ({@code runcLog}) and conmon's own output.
   */
  SyncMessage run(String what, List<String> argv, Path output, Path runcLog, long deadline) throws RuntimeFailure {
    try (SyncPipeSpawn launcher = SyncPipeSpawn.start(argv, Map.of("_OCI_SYNCPIPE", "3"), output)) {
      OptionalInt status = launcher.awaitExit(deadline);
      if (status.isEmpty()) {
        throw new RuntimeFailure(RuntimeFailure.Kind.TIMEOUT, what + " failed: conmon did not start within "
            + timeout.toMillis() + " ms" + conmonOutput(output));
      }
      if (status.getAsInt() != 0) {
        throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, what + " failed: conmon exited with status "
            + status.getAsInt() + conmonOutput(output));
      }
      Optional<String> line;
      try {
        line = launcher.awaitLine(deadline);
      } catch (TimeoutException e) {
        throw new RuntimeFailure(RuntimeFailure.Kind.TIMEOUT, what + " failed: conmon did not report within "
            + timeout.toMillis() + " ms" + runcError(runcLog));
      }
      if (line.isEmpty()) {
        throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, what + " failed: conmon exited without reporting a pid"
            + runcError(runcLog) + conmonOutput(output));
      }
      return SyncMessage.parse(line.get());
    }
  }

  /** When a conmon started now must have reported, at the latest (System.nanoTime). */
  long deadline() {
    return System.nanoTime() + timeout.toNanos();
  }

  /**
   * What went wrong when conmon reported a failure: runc's logged error (the precise one), else
   * conmon's message (runc's stderr, a summary).
   */
  static String reportedError(SyncMessage message, Path runcLog, String runcCommand) {
    return RuncJson.lastError(RuncCli.readQuietly(runcLog)).or(message::message)
        .orElse("runc " + runcCommand + " failed without a message (conmon reported " + message.data() + ")");
  }

  /**
   * The conmon binary and the arguments every conmon of this daemon gets, for container {@code id}.
   * {@code --no-sync-log}: conmon would otherwise fsync the log when the container ends, before it
   * writes the exit file, so every exit would wait for the disk. docker does not sync its logs
   * either, conmon's maintainers call that fsync superfluous (containers/conmon#178: a log is lost
   * to a crash while the container runs anyway), and the journal's own commits are not synced one
   * by one (JournalSettings).
   */
  List<String> commonArgs(String id) {
    return new ArrayList<>(List.of(conmon.toAbsolutePath().toString(), "--api-version", "1", "-c", id,
        "-r", runc.binary().toString(), "--runtime-arg", "--root=" + paths.runcRoot(), "--no-sync-log"));
  }

  /**
   * A second create of a live id would fail in runc, and the clean-up of that failure would
   * then force-delete the live container: refuse before touching anything.
   */
  private void refuseExisting(String id) throws RuntimeFailure {
    if (Files.exists(paths.runcDir(id))) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "container " + id + " already exists in runc; delete it before creating it again");
    }
  }

  /**
   * A new create starts a new life: files of an earlier attempt with this id would mislead (an exit
   * file would end it at once, an "oom" mark it OOM-killed, old logs give old errors). The persist
   * directory is made first and removed last ({@link #forget}): when it is new, no earlier life left
   * anything, and the usual create of a new id looks for nothing else (each file looked for and not
   * found cost an exception, 0.2 ms of CPU a create in all).
   */
  private void prepare(CreateRequest request) throws RuntimeFailure {
    try {
      Path persist = paths.persistDir(request.id());
      try {
        Files.createDirectory(persist);
      } catch (java.nio.file.FileAlreadyExistsException e) {
        Files.deleteIfExists(paths.exitFile(request.id()));
        for (Path file : paths.conmonFiles(request.id())) {
          Files.deleteIfExists(file);
        }
        RuntimePaths.deleteFlatDirectory(persist);
        Files.createDirectory(persist);
      }
      Path logDir = request.logPath().toAbsolutePath().getParent();
      if (logDir != null) {
        Directories.ensure(logDir);
      }
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "cannot prepare the runtime files of container " + request.id() + ": " + e, e);
    }
  }

  private List<String> argv(CreateRequest request) {
    String id = request.id();
    String name = request.name() == null || request.name().isBlank() ? id : request.name();
    List<String> argv = commonArgs(id);
    argv.addAll(List.of(
        "-u", id,
        "-n", name,
        "-b", request.bundle().toAbsolutePath().toString(),
        "-p", paths.containerPidFile(id).toString(),
        "-P", paths.conmonPidFile(id).toString(),
        "-l", "k8s-file:" + request.logPath().toAbsolutePath(),
        "--log-size-max", Long.toString(request.logSizeMax() > 0 ? request.logSizeMax() : -1),
        "--exit-dir", paths.exitDir().toString(),
        "--persist-dir", paths.persistDir(id).toString(),
        "--socket-dir-path", paths.attachDir().toString(),
        "--runtime-arg", "--log=" + paths.createLog(id),
        "--runtime-arg", "--log-format=json"));
    StdioMode stdio = request.stdio();
    if (stdio.terminal()) {
      // conmon then makes the console socket runc hands the pty master to
      argv.add("-t");
    }
    if (stdio.stdin()) {
      argv.add("-i");
      if (!stdio.stdinOnce()) {
        // a client that detaches must not end the container's input (cat would exit)
        argv.add("--leave-stdin-open");
      }
    }
    return argv;
  }

  /**
   * runc's error ({@link #reportedError}). A command that cannot be run is told apart: the request
   * (or the image) named it, so the user can fix it.
   */
  private RuntimeFailure createFailure(String id, SyncMessage message) {
    String error = reportedError(message, paths.createLog(id), "create");
    return CommandErrors.failure(error)
        .map(f -> new RuntimeFailure(f.kind(), f.getMessage()
            + " (the command must exist in the container's root filesystem and be executable)"))
        .orElseGet(() -> new RuntimeFailure(RuntimeFailure.Kind.FAILED,
            "creating container " + id + " failed: " + error));
  }

  private static String runcError(Path runcLog) {
    return RuncJson.lastError(RuncCli.readQuietly(runcLog)).map(e -> "; runc: " + e).orElse("");
  }

  private static String conmonOutput(Path output) {
    String text = RuncCli.readQuietly(output).strip();
    return text.isEmpty() ? "" : "; conmon: " + RuncJson.abbreviate(text);
  }

  /**
   * Removes the files conmon and the create step keep for a container: it is gone, or never was.
   * The persist directory goes last, and only once the rest is gone: its absence tells the next
   * create of this id that nothing of this life is left ({@link #prepare}).
   */
  void forget(String id) {
    boolean gone = deleteQuietly(paths.exitFile(id));
    for (Path file : paths.conmonFiles(id)) {
      gone &= deleteQuietly(file);
    }
    if (!gone) {
      log.warn("keeping {} so that the next create of {} removes what is left", paths.persistDir(id), id);
      return;
    }
    try {
      RuntimePaths.deleteFlatDirectory(paths.persistDir(id));
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", paths.persistDir(id), e.toString());
    }
  }

  /** @return whether the file is gone */
  private static boolean deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
      return true;
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", file, e.toString());
      return false;
    }
  }

  /**
   * Leaves nothing running or on disk for a container whose create failed: conmon (which would
   * otherwise wait on a container nobody starts), whatever runc created, and the files of this
   * attempt (its error was read from them already). Returns the failure to throw.
   */
  private RuntimeFailure cleanUp(String id, RuntimeFailure failure) {
    log.debug("cleaning up after failed create of {}: {}", id, failure.getMessage());
    ConmonProcess.kill(paths.conmonPidFile(id));
    try {
      RuncCli.Outcome deleted = runc.call("delete", "--force", id);
      if (!deleted.ok() && !deleted.says("container does not exist")) {
        log.warn("clean-up of failed create: {}", deleted.failure(RuntimeFailure.Kind.FAILED).getMessage());
      }
    } catch (RuntimeFailure e) {
      log.warn("clean-up of failed create of {}: {}", id, e.getMessage());
    }
    forget(id);
    return failure;
  }
}
