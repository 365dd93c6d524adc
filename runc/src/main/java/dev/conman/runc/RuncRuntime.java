package dev.conman.runc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
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
  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** Debian's paths. */
  public static final Path DEFAULT_RUNC = Path.of("/usr/sbin/runc");
  public static final Path DEFAULT_CONMON = Path.of("/usr/bin/conmon");

  private final RuntimePaths paths;
  private final RuncCli runc;
  private final ConmonLauncher conmon;
  private final DetachedExecs detachedExecs;
  private final Duration timeout;
  /** Found at the construction, handed out once ({@link #takeLostExecs}). */
  private final java.util.concurrent.atomic.AtomicReference<List<LostExec>> lostExecs;

  /**
   * @param timeout bound of each call; create includes conmon's start and {@code runc create}
   * @throws IOException when the runtime directories cannot be created
   */
  public RuncRuntime(Path runcBinary, Path conmonBinary, RuntimePaths paths, Duration timeout)
      throws IOException {
    paths.createDirectories();
    List<Path> entries = paths.conmonDirEntries();
    sweepStaleLogs(entries);
    java.util.Set<String> leftovers = FailedCreateLeftovers.sweep(paths, entries);
    if (!leftovers.isEmpty()) {
      log.info("removed conmon's files of {} container(s) that runc does not know and whose conmon is gone"
          + " (failed creates of an earlier daemon): {}", leftovers.size(), leftovers);
    }
    List<LostExec> lost = LostExecs.collect(entries);
    for (LostExec session : lost) {
      log.warn("exec session {} in container {} was left by an earlier daemon{}", session.execId(),
          session.containerId(), session.killed() ? "; its process was killed" : "; its process had ended");
    }
    this.lostExecs = new java.util.concurrent.atomic.AtomicReference<>(lost);
    CommandRunner runner = new CommandRunner();
    this.paths = paths;
    this.runc = new RuncCli(runcBinary, paths.runcRoot(), runner, timeout);
    this.conmon = new ConmonLauncher(conmonBinary, paths, runc, timeout);
    this.detachedExecs = new DetachedExecs(conmon, paths);
    this.timeout = timeout;
  }

  /**
   * runc call logs left by daemons that gave runc a log file per call (one killed during a call),
   * exec sessions' logs (those sessions are {@link LostExecs}),
   * and the sync FIFOs of daemons before {@link SyncPipeSpawn} ({@code <id>.sync}, spares
   * {@code .spare-*.fifo}): no call of this daemon is running yet, and the root lock keeps other
   * daemons out of this state directory.
   */
  private static void sweepStaleLogs(List<Path> conmonDirEntries) throws IOException {
    var stale = RuntimePaths.named("{runc-*.json,*" + RuntimePaths.EXEC_PID_INFIX + "*.json,*.sync,.spare-*.fifo}");
    for (Path file : conmonDirEntries) {
      if (stale.test(file)) {
        Files.deleteIfExists(file);
      }
    }
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
    ensureCgroupsPath(spec.id(), spec.bundle().resolve("config.json"));
    return conmon.create(spec);
  }

  /**
   * Puts the container's cgroup where {@link #exitRecord} and the user expect it
   * ({@link OciSpec#cgroupsPath}) when the bundle was written without the id. A config.json that
   * names a cgroup, or that is not a JSON object, is left to runc.
   */
  private static void ensureCgroupsPath(String id, Path config) throws RuntimeFailure {
    try {
      byte[] json = Files.readAllBytes(config);
      if (!lacksCgroupsPath(json)) {
        return;
      }
      // an object without linux.cgroupsPath, as lacksCgroupsPath has just found
      if (MAPPER.readTree(json) instanceof ObjectNode object) {
        BundleWriter.write(config.getParent(), id, object);
      }
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      log.debug("config.json of {} is not JSON; runc will say so", id);
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "cannot set the cgroup path in " + config + ": " + e.getMessage(), e);
    }
  }

  /**
   * Whether {@code json} is an object whose {@code linux} names no {@code cgroupsPath}. Read as a
   * stream, without building the tree: the daemon's own bundles always name it, and parsing their
   * whole config.json again on each create cost 0.2 ms of CPU per container.
   */
  static boolean lacksCgroupsPath(byte[] json) throws IOException {
    try (JsonParser p = MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return false;
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        boolean linux = p.getCurrentName().equals("linux");
        if (p.nextToken() == JsonToken.START_OBJECT && linux) {
          while (p.nextToken() == JsonToken.FIELD_NAME) {
            if (p.getCurrentName().equals("cgroupsPath")) {
              return false;
            }
            p.nextToken();
            p.skipChildren();
          }
        } else {
          p.skipChildren();
        }
      }
      return true;
    }
  }

  /** Releases the waiting init directly where that is what runc would do ({@link InitStart}), else asks runc. */
  @Override
  public StartedInit start(String id) throws RuntimeFailure {
    InitStart.Result started = InitStart.start(paths.runcDir(Ids.check(id)), timeout);
    switch (started.outcome()) {
      case STARTED -> {
        RuncStateFile init = started.init();
        return () -> InitSignal.ended(init);
      }
      case TIMED_OUT -> throw new RuntimeFailure(RuntimeFailure.Kind.TIMEOUT, "container " + id
          + " did not start within " + timeout.toMillis() + " ms: its init did not run the process (a start"
          + " hook that does not end?)");
      case ASK_RUNC -> {
        // below
      }
    }
    RuncCli.Outcome outcome = runc.call("start", id);
    if (!outcome.ok()) {
      throw outcome.failure(RuntimeFailure.Kind.FAILED);
    }
    Path state = runcState(id);
    return () -> InitSignal.ended(state);
  }

  /**
   * Signals the init process directly when runc's state names it ({@link InitSignal}), else asks
   * runc. runc 1.1 says "container not running" for a stopped container and "container does not
   * exist" for an unknown one; signalling an init that has just died (before runc notices)
   * fails with ESRCH, which runc words as "no such process" or "process already finished".
   *
   * @throws IllegalArgumentException for a signal number outside 1..64 (see {@link Signals})
   */
  @Override
  public void kill(String id, int signal) throws RuntimeFailure {
    Signals.check(signal);
    switch (InitSignal.send(runcState(Ids.check(id)), signal)) {
      case SENT -> {
        return;
      }
      case NOT_RUNNING -> throw new RuntimeFailure(RuntimeFailure.Kind.NOT_RUNNING,
          "container " + id + " is not running: its init process has ended");
      case ASK_RUNC -> {
        // below
      }
    }
    RuncCli.Outcome outcome = runc.call("kill", id, Integer.toString(signal));
    if (outcome.ok()) {
      return;
    }
    boolean notRunning = outcome.says("container not running", "container does not exist",
        "no such process", "process already finished");
    throw outcome.failure(notRunning ? RuntimeFailure.Kind.NOT_RUNNING : RuntimeFailure.Kind.FAILED);
  }

  @Override
  public void pause(String id) throws RuntimeFailure {
    freezer("pause", id);
  }

  @Override
  public void resume(String id) throws RuntimeFailure {
    freezer("resume", id);
  }

  /** runc says "container not running" to a pause of a paused one, "container not paused" to a resume of a running one. */
  private void freezer(String command, String id) throws RuntimeFailure {
    RuncCli.Outcome outcome = runc.call(command, Ids.check(id));
    if (!outcome.ok()) {
      throw outcome.failure(outcome.says("container not running", "container not paused", "container does not exist")
          ? RuntimeFailure.Kind.NOT_RUNNING : RuntimeFailure.Kind.FAILED);
    }
  }

  /** Removes a stopped container directly where that is all runc would do ({@link StoppedDelete}), else asks runc. */
  @Override
  public void delete(String id, boolean force) throws RuntimeFailure {
    Ids.check(id);
    if (StoppedDelete.delete(paths.runcDir(id)) == StoppedDelete.Outcome.DELETED) {
      return;
    }
    RuncCli.Outcome outcome = force ? runc.call("delete", "--force", id) : runc.call("delete", id);
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
  public int execDetached(String id, String execId, ExecRequest request, int timeoutSeconds) throws RuntimeFailure {
    return detachedExecs.start(id, execId, bundleOf(id), request, timeoutSeconds);
  }

  /** The container's bundle, through the link conmon made to it (there while its conmon runs). */
  private Path bundleOf(String id) {
    return paths.attachLink(Ids.check(id));
  }

  @Override
  public java.util.Optional<Integer> detachedExecExit(String id, String execId) {
    return detachedExecs.exitCode(id, execId);
  }

  @Override
  public Path detachedExecExitDir(String execId) {
    return detachedExecs.exitDir(execId);
  }

  @Override
  public void forgetDetachedExec(String execId) {
    detachedExecs.forget(execId);
  }

  @Override
  public List<DetachedExec> detachedExecs() throws IOException {
    return detachedExecs.sessions();
  }

  @Override
  public List<LostExec> takeLostExecs() {
    return lostExecs.getAndSet(List.of());
  }

  @Override
  public ExecProcess exec(String id, String execId, ExecRequest request) throws RuntimeFailure {
    Ids.check(id);
    Path pidFile = paths.execPidFile(id, Ids.check("exec session id", execId));
    Path log = paths.execLog(id, execId);
    // runc's error then goes to the log as well as to the process's stderr, as one plain line
    java.util.List<String> argv = new java.util.ArrayList<>(java.util.List.of(runc.binary().toString(),
        "--root", paths.runcRoot().toString(), "--log", log.toString(), "--log-format", "json",
        "exec", "--pid-file", pidFile.toString()));
    for (String e : request.env()) {
      argv.add("--env");
      argv.add(e);
    }
    if (!request.cwd().isEmpty()) {
      argv.add("--cwd");
      argv.add(request.cwd());
    }
    if (request.tty()) {
      argv.add("--tty");
    }
    argv.add(id);
    argv.addAll(request.args());
    if (request.tty()) {
      return execWithTerminal(argv, pidFile, log, request);
    }
    try {
      return new ExecProcess(new ProcessBuilder(argv).start(), pidFile, log);
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot run runc exec: " + e.getMessage(), e);
    }
  }

  /**
   * {@code runc exec --tty} in the foreground, its stdio a pseudo-terminal the daemon owns: runc
   * makes the process's terminal, copies between the two, follows this one's size on SIGWINCH,
   * and exits with the process's status. (runc takes a --console-socket only with --detach, and a
   * detached exec's status goes to whoever reaps the process, which the daemon is not.) The slave
   * is opened by a shell redirect, not by the JVM: a JVM that opens a terminal without O_NOCTTY
   * while leading a session without one (conmand under systemd) would make it its own.
   */
  static List<String> withTerminalStdio(List<String> argv, java.nio.file.Path slave) {
    List<String> wrapped = new java.util.ArrayList<>(List.of("/bin/sh", "-c",
        "exec \"$@\" <>\"$0\" >&0 2>&0", slave.toString()));
    wrapped.addAll(argv);
    return wrapped;
  }

  private ExecProcess execWithTerminal(List<String> argv, Path pidFile, Path log, ExecRequest request)
      throws RuntimeFailure {
    PseudoTerminal terminal;
    try {
      terminal = PseudoTerminal.open(request.rows(), request.columns());
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot run runc exec: " + e.getMessage(), e);
    }
    try {
      Process p = new ProcessBuilder(withTerminalStdio(argv, terminal.slavePath()))
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .redirectError(ProcessBuilder.Redirect.DISCARD)
          .start();
      return new ExecProcess(p, pidFile, log, terminal);
    } catch (IOException e) {
      terminal.close();
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "cannot run runc exec: " + e.getMessage(), e);
    }
  }

  /** Through the link conmon made from the attach directory to the bundle, where it bound "attach". */
  @Override
  public AttachConnection attach(String id) throws RuntimeFailure {
    Path dir = paths.attachLink(Ids.check(id));
    if (!Files.exists(dir.resolve("attach"))) {
      throw new RuntimeFailure(RuntimeFailure.Kind.NOT_RUNNING, "container " + id + " has no attach socket"
          + " (its conmon has gone)");
    }
    try {
      return new AttachConnection(SeqPacketSocket.connect(dir, "attach"));
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.NOT_RUNNING, "cannot attach to container " + id + ": "
          + e.getMessage(), e);
    }
  }

  /** conmon's control FIFO {@code ctl} in the bundle: "1 ROWS COLUMNS" is a window resize. */
  @Override
  public void resize(String id, int rows, int columns) throws RuntimeFailure {
    if (rows < 0 || columns < 0 || rows > 1000 || columns > 1000) {
      // conmon's own bounds; it would drop the message with only a warning in its log
      throw new IllegalArgumentException("a terminal size is 0 to 1000 rows and columns, not " + rows + "x" + columns);
    }
    try {
      SeqPacketSocket.writeFifo(paths.attachLink(Ids.check(id)).resolve("ctl"), "1 " + rows + " " + columns + "\n");
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.NOT_RUNNING, "cannot resize the terminal of container " + id
          + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@code runc events --stats}. runc answers for created, running and paused containers; for a
   * stopped one it says "container with id X is not running".
   */
  @Override
  public Optional<ContainerStats> stats(String id) throws RuntimeFailure {
    RuncCli.Outcome outcome = runc.call("events", "--stats", Ids.check(id));
    if (outcome.ok()) {
      return Optional.of(RuncJson.parseStats(outcome.result().stdout(), Instant.now()));
    }
    if (outcome.says("is not running", "container not running", "container does not exist")) {
      return Optional.empty();
    }
    throw outcome.failure(RuntimeFailure.Kind.FAILED);
  }

  /** {@code runc ps --format json}: the pids in the container's cgroup, read further in /proc. */
  @Override
  public Optional<List<ContainerProcess>> processes(String id) throws RuntimeFailure {
    RuncCli.Outcome outcome = runc.call("ps", "--format", "json", Ids.check(id));
    if (outcome.ok()) {
      return Optional.of(PROCESSES.read(RuncJson.parsePids(outcome.result().stdout())));
    }
    if (outcome.says("is not running", "container not running", "container does not exist")) {
      return Optional.empty();
    }
    throw outcome.failure(RuntimeFailure.Kind.FAILED);
  }

  private static final ProcessTable PROCESSES = new ProcessTable(Path.of("/proc"));

  @Override
  public void update(String id, Resources resources) throws RuntimeFailure {
    Ids.check(id);
    if (resources == null || resources.isEmpty()) {
      throw new IllegalArgumentException("nothing to update: no limit given");
    }
    resources.checkHost();
    RuncCli.Outcome outcome = runc.call(updateArgs(id, resources).toArray(String[]::new));
    if (outcome.ok()) {
      return;
    }
    if (outcome.says("container not running", "container does not exist", "is not running")) {
      throw outcome.failure(RuntimeFailure.Kind.NOT_RUNNING);
    }
    RuntimeFailure failure = outcome.failure(RuntimeFailure.Kind.FAILED);
    if (resources.memoryBytes() != null && resources.memorySwapBytes() == null
        && outcome.says("memory.limit_in_bytes: invalid argument")) {
      // cgroup v1 refuses a memory limit above the memory+swap limit
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, failure.getMessage()
          + " (the memory limit must not exceed the container's memory+swap limit: "
          + "update --memory-swap too, or set it to -1)");
    }
    throw failure;
  }

  /** {@code runc update} flags for the set fields; runc leaves the others as they are. */
  static List<String> updateArgs(String id, Resources r) {
    List<String> args = new java.util.ArrayList<>(List.of("update"));
    flag(args, "--memory", r.memoryBytes());
    flag(args, "--memory-swap", r.memorySwapBytes());
    flag(args, "--cpu-period", r.cpuPeriod());
    flag(args, "--cpu-quota", r.cpuQuota());
    flag(args, "--cpu-share", r.cpuShares());
    flag(args, "--pids-limit", r.pidsLimit());
    if (r.cpusetCpus() != null) {
      args.add("--cpuset-cpus=" + r.cpusetCpus());
    }
    args.add(id);
    return args;
  }

  private static void flag(List<String> args, String name, Long value) {
    if (value != null) {
      args.add(name + "=" + value);
    }
  }

  /**
   * The exit file, marked OOM-killed when conmon wrote its oom file (it watches the memory
   * cgroup's OOM events: an eventfd on memory.oom_control on v1, memory.events on v2) or,
   * should it have missed the event, when the cgroup counted an OOM kill (until runc delete).
   */
  @Override
  public Optional<ExitRecord> exitRecord(String id) {
    Ids.check(id);
    return ExitFiles.read(paths.exitFile(id)).map(exit -> exit.withOomKilled(oomKilled(id)));
  }

  private boolean oomKilled(String id) {
    return Files.exists(paths.persistDir(id).resolve("oom"))
        || CgroupOom.kills(runcState(id)) > 0;
  }

  /** runc's own record of the container (see {@link RuncStateFile}). */
  private Path runcState(String id) {
    return paths.runcDir(id).resolve(RuncStateFile.NAME);
  }

  @Override
  public void forgetRuntimeFiles(String id) {
    conmon.forget(Ids.check(id));
  }

  /** The pid of the conmon watching the container, if it is still alive. */
  public Optional<Long> conmonPid(String id) {
    return ConmonProcess.find(paths.conmonPidFile(Ids.check(id))).map(ProcessHandle::pid);
  }

}
