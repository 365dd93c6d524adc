package dev.conman.runc;

import java.util.List;
import java.util.Optional;

/**
 * The narrow boundary to the OCI runtime (runc, driven through the conmon shim).
 *
 * <p>Every call blocks: callers run it on a blocking dispatcher, never on an actor thread.
 * Every call is bounded by a timeout; a runc or conmon process that hangs is killed and the
 * call fails with {@link RuntimeFailure}. Ids are conman container ids (64 hex characters).
 */
public interface ContainerRuntime {

  /**
   * Writes nothing itself: the bundle must exist. Starts conmon for the container, which runs
   * {@code runc create}, holds the container's stdio (written to {@code spec.logPath()}) and,
   * once the container has been started and ends, writes its exit code to the exit directory.
   *
   * @return the host pid of the container's init process
   * @throws RuntimeFailure with runc's error when create fails
   */
  int create(CreateRequest spec) throws RuntimeFailure;

  /**
   * Runs the user process of a created container (what {@code runc start} does).
   *
   * @return its init process, to ask later whether it has ended
   */
  StartedInit start(String id) throws RuntimeFailure;

  /**
   * The init process of a container just started. A short job has often ended by the time the
   * start returns; asking through this costs a read of /proc, not a second read and parse of runc's
   * state (which holds the whole runtime config).
   */
  @FunctionalInterface
  interface StartedInit {
    /**
     * Whether the init process has ended: conmon then has written its exit file or is about to.
     * False while it runs, and when unknown.
     */
    boolean ended();
  }

  /**
   * {@code runc kill}. A container that runc does not know or that has already stopped fails
   * with {@link RuntimeFailure.Kind#NOT_RUNNING}.
   */
  void kill(String id, int signal) throws RuntimeFailure;

  /**
   * {@code runc pause}: freezes every process of the container (its cgroup's freezer). One that is
   * not running (stopped, unknown, or paused already) fails with {@link RuntimeFailure.Kind#NOT_RUNNING}.
   */
  default void pause(String id) throws RuntimeFailure {
    throw new UnsupportedOperationException("pause is not supported by " + getClass().getName());
  }

  /** {@code runc resume}: thaws a paused container; one that is not paused fails with NOT_RUNNING. */
  default void resume(String id) throws RuntimeFailure {
    throw new UnsupportedOperationException("resume is not supported by " + getClass().getName());
  }

  /** {@code runc delete}; {@code force} also kills a running container. Unknown ids are fine. */
  void delete(String id, boolean force) throws RuntimeFailure;

  /** {@code runc state}; empty when runc does not know the container. */
  Optional<RuntimeState> state(String id) throws RuntimeFailure;

  /** {@code runc list}: every container in conman's runc root. */
  List<RuntimeState> list() throws RuntimeFailure;

  /** The exit file conmon wrote for the container, if any. */
  Optional<ExitRecord> exitRecord(String id);

  /** Removes the exit file and conmon's per-container runtime files. Missing files are fine. */
  void forgetRuntimeFiles(String id);

  /**
   * Starts {@code runc exec} for the session {@code execId} (as journaled): a new process in the
   * running container, its stdin, stdout and stderr piped to the caller (or, with
   * {@code request.tty()}, a terminal), who owns the returned process and must wait for it, then
   * {@link ExecProcess#release} it.
   */
  ExecProcess exec(String id, String execId, ExecRequest request) throws RuntimeFailure;

  /**
   * Starts a detached exec session ({@code execId}, as journaled) in the running container, run by a
   * conmon of its own, which outlives the daemon and records how the process ends. Returns once the
   * process runs.
   *
   * @param timeoutSeconds the process is killed after this long (and ends with 137); 0: never
   * @return the process's pid
   */
  default int execDetached(String id, String execId, ExecRequest request, int timeoutSeconds) throws RuntimeFailure {
    throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "this runtime runs no detached exec");
  }

  /** The exit code of a detached exec session, once its process has ended. */
  default java.util.Optional<Integer> detachedExecExit(String id, String execId) {
    return java.util.Optional.empty();
  }

  /** The directory where the exit file of a detached exec session appears: watch it. */
  default java.nio.file.Path detachedExecExitDir(String execId) {
    throw new UnsupportedOperationException("this runtime runs no detached exec");
  }

  /** Removes what is left of a detached exec session, once its end is journaled. */
  default void forgetDetachedExec(String execId) {}

  /**
   * A detached exec session found at a start: an earlier daemon started it.
   *
   * @param exitCode how it ended (ENDED), else null
   */
  record DetachedExec(String containerId, String execId, State state, Integer exitCode) {
    public enum State {
      /** Its process ended; conmon wrote the exit code. */
      ENDED,
      /** Its process still runs under its conmon. */
      RUNNING,
      /** Its conmon is gone without having written an exit code. */
      LOST
    }
  }

  /** The detached exec sessions present now (at a start: those an earlier daemon started). */
  default List<DetachedExec> detachedExecs() throws java.io.IOException {
    return List.of();
  }

  /**
   * An exec session of an earlier daemon, found at this one's start: its client and its stdio went
   * with that daemon.
   *
   * @param killed whether its process still ran, and was killed
   */
  record LostExec(String containerId, String execId, boolean killed) {}

  /** The lost exec sessions found at the start, each returned once; the first call takes them all. */
  default List<LostExec> takeLostExecs() {
    return List.of();
  }

  /**
   * A sample of the container's cgroup counters ({@code runc events --stats}).
   *
   * @return empty when runc does not know the container or it is stopped
   */
  default Optional<ContainerStats> stats(String id) throws RuntimeFailure {
    throw new UnsupportedOperationException("stats is not supported by " + getClass().getName());
  }

  /**
   * The container's processes ({@code runc ps}, then {@code /proc}), oldest first.
   *
   * @return empty when runc does not know the container or it is stopped
   */
  default Optional<List<ContainerProcess>> processes(String id) throws RuntimeFailure {
    throw new UnsupportedOperationException("processes is not supported by " + getClass().getName());
  }

  /**
   * Changes the limits of a created or running container ({@code runc update}); null fields
   * stay as they are. Only the cgroup changes: the bundle's config.json keeps the limits of
   * create, so a container created again from it gets those.
   *
   * @throws IllegalArgumentException when nothing is set, or the host lacks the CPUs asked for
   * @throws RuntimeFailure           NOT_RUNNING for a stopped or unknown container, FAILED with
   *                                  runc's error otherwise (e.g. a limit below current usage)
   */
  default void update(String id, Resources resources) throws RuntimeFailure {
    throw new UnsupportedOperationException("update is not supported by " + getClass().getName());
  }

  /**
   * Connects to the attach socket conmon serves for the container (from create until the container
   * ends): its output as it is written, and its stdin when it was created with one.
   *
   * @throws RuntimeFailure NOT_RUNNING when there is no socket (conmon has gone)
   */
  default AttachConnection attach(String id) throws RuntimeFailure {
    throw new UnsupportedOperationException("attach is not supported by " + getClass().getName());
  }

  /** Sets the size of the container's terminal (through conmon's control FIFO). */
  default void resize(String id, int rows, int columns) throws RuntimeFailure {
    throw new UnsupportedOperationException("resize is not supported by " + getClass().getName());
  }

  /**
   * What {@link #create} needs: the bundle already holds a valid config.json (with process.terminal
   * matching {@code stdio.terminal()}).
   *
   * @param logSizeMax bytes after which conmon truncates the log and starts it again; 0 or less: no limit
   * @param stdio      terminal and stdin wiring; null: {@link StdioMode#NONE}
   */
  record CreateRequest(String id, String name, java.nio.file.Path bundle, java.nio.file.Path logPath,
      long logSizeMax, StdioMode stdio) {
    public CreateRequest {
      stdio = stdio == null ? StdioMode.NONE : stdio;
    }

    /** Output only, no terminal. */
    public CreateRequest(String id, String name, java.nio.file.Path bundle, java.nio.file.Path logPath,
        long logSizeMax) {
      this(id, name, bundle, logPath, logSizeMax, StdioMode.NONE);
    }
  }

  /**
   * A process to run in a container.
   *
   * @param env extra "KEY=VALUE" entries on top of the container's environment
   * @param cwd working directory inside the container; empty: the container's
   * @param tty  give the process a terminal (of {@code rows} x {@code columns}; 0 x 0: unknown)
   */
  record ExecRequest(java.util.List<String> args, java.util.List<String> env, String cwd, boolean tty,
      int rows, int columns) {
    public ExecRequest {
      if (args.isEmpty()) {
        throw new IllegalArgumentException("exec needs a command");
      }
      args = java.util.List.copyOf(args);
      env = java.util.List.copyOf(env);
      PseudoTerminal.checkSize(rows, columns);
    }

    /** Without a terminal. */
    public ExecRequest(java.util.List<String> args, java.util.List<String> env, String cwd) {
      this(args, env, cwd, false, 0, 0);
    }
  }
}
