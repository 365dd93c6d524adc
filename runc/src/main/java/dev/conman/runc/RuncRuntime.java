package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ContainerRuntime} over the runc CLI, with conmon as each container's shim.
 *
 * <p>Holds no per-container state: every answer comes from runc or from files, so one instance
 * serves all containers from any thread, and a restarted daemon sees what the old one left.
 * Calls for one container must not overlap (the container's actor serializes them).
 */
public final class RuncRuntime implements ContainerRuntime {

  private static final Logger log = LoggerFactory.getLogger(RuncRuntime.class);

  /** Debian's paths. */
  public static final Path DEFAULT_RUNC = Path.of("/usr/sbin/runc");
  public static final Path DEFAULT_CONMON = Path.of("/usr/bin/conmon");

  private final RuntimePaths paths;
  private final RuncCli runc;
  private final ConmonLauncher conmon;

  /**
   * @param timeout bound of each call; create includes conmon's start and {@code runc create}
   * @throws IOException when the runtime directories cannot be created
   */
  public RuncRuntime(Path runcBinary, Path conmonBinary, RuntimePaths paths, Duration timeout)
      throws IOException {
    paths.createDirectories();
    CommandRunner runner = new CommandRunner();
    this.paths = paths;
    this.runc = new RuncCli(runcBinary, paths.runcRoot(), paths.conmonDir(), runner, timeout);
    this.conmon = new ConmonLauncher(conmonBinary, paths, runc, runner, timeout);
  }

  public RuntimePaths paths() {
    return paths;
  }

  @Override
  public int create(CreateRequest spec) throws RuntimeFailure {
    Ids.check(spec.id());
    if (!Files.isRegularFile(spec.bundle().resolve("config.json"))) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "bundle " + spec.bundle() + " has no config.json; write it before creating the container");
    }
    return conmon.create(spec);
  }

  @Override
  public void start(String id) throws RuntimeFailure {
    RuncCli.Outcome outcome = runc.call("start", Ids.check(id));
    if (!outcome.ok()) {
      throw outcome.failure(RuntimeFailure.Kind.FAILED);
    }
  }

  /**
   * runc 1.1 says "container not running" for a stopped container and "container does not
   * exist" for an unknown one; signalling an init that has just died (before runc notices)
   * fails with ESRCH, which runc words as "no such process" or "process already finished".
   *
   * @throws IllegalArgumentException for a signal number outside 1..64 (see {@link Signals})
   */
  @Override
  public void kill(String id, int signal) throws RuntimeFailure {
    Signals.check(signal);
    RuncCli.Outcome outcome = runc.call("kill", Ids.check(id), Integer.toString(signal));
    if (outcome.ok()) {
      return;
    }
    boolean notRunning = outcome.says("container not running", "container does not exist",
        "no such process", "process already finished");
    throw outcome.failure(notRunning ? RuntimeFailure.Kind.NOT_RUNNING : RuntimeFailure.Kind.FAILED);
  }

  @Override
  public void delete(String id, boolean force) throws RuntimeFailure {
    RuncCli.Outcome outcome = force
        ? runc.call("delete", "--force", Ids.check(id))
        : runc.call("delete", Ids.check(id));
    if (!outcome.ok() && !outcome.says("container does not exist")) {
      throw outcome.failure(RuntimeFailure.Kind.FAILED);
    }
  }

  @Override
  public Optional<RuntimeState> state(String id) throws RuntimeFailure {
    RuncCli.Outcome outcome = runc.call("state", Ids.check(id));
    if (outcome.ok()) {
      return Optional.of(RuncJson.parseState(outcome.result().stdout()));
    }
    if (outcome.says("container does not exist")) {
      return Optional.empty();
    }
    throw outcome.failure(RuntimeFailure.Kind.FAILED);
  }

  @Override
  public List<RuntimeState> list() throws RuntimeFailure {
    RuncCli.Outcome outcome = runc.call("list", "--format", "json");
    if (!outcome.ok()) {
      throw outcome.failure(RuntimeFailure.Kind.FAILED);
    }
    return RuncJson.parseList(outcome.result().stdout());
  }

  @Override
  public ExecProcess exec(String id, ExecRequest request) throws RuntimeFailure {
    Ids.check(id);
    Path pidFile = paths.conmonDir().resolve(id + ".exec-" + java.util.UUID.randomUUID() + ".pid");
    java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(runc.binary().toString(),
        "--root", paths.runcRoot().toString(), "exec", "--pid-file", pidFile.toString()));
    for (String e : request.env()) {
      argv.add("--env");
      argv.add(e);
    }
    if (!request.cwd().isEmpty()) {
      argv.add("--cwd");
      argv.add(request.cwd());
    }
    argv.add(id);
    argv.addAll(request.args());
    try {
      return new ExecProcess(new ProcessBuilder(argv).start(), pidFile);
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot run runc exec: " + e.getMessage(), e);
    }
  }

  @Override
  public Optional<ExitRecord> exitRecord(String id) {
    return ExitFiles.read(paths.exitFile(Ids.check(id)));
  }

  @Override
  public void forgetRuntimeFiles(String id) {
    deleteQuietly(paths.exitFile(Ids.check(id)));
    paths.conmonFiles(id).forEach(RuncRuntime::deleteQuietly);
  }

  /** The pid of the conmon watching the container, if it is still alive. */
  public Optional<Long> conmonPid(String id) {
    return ConmonProcess.find(paths.conmonPidFile(Ids.check(id))).map(ProcessHandle::pid);
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot remove {}: {}", file, e.toString());
    }
  }
}
