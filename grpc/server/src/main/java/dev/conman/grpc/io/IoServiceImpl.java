package dev.conman.grpc.io;

import com.google.protobuf.ByteString;
import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerException;
import dev.conman.actors.ContainerSpecValidator;
import dev.conman.actors.ContainerView;
import dev.conman.api.v1.ExecDetachedResponse;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.ExecSyncRequest;
import dev.conman.api.v1.ExecSyncResponse;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogsRequest;
import dev.conman.grpc.ContainerAsks;
import dev.conman.grpc.StatusMapper;
import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.DetachedExecWatcher;
import dev.conman.runc.ExecProcess;
import dev.conman.runc.RuntimeFailure;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * conman.v1 IoService: logs from conmon's log file, and processes executed with runc exec. Execs run
 * outside the container's actor (it only journals ExecStarted and ExecExited), so a long exec
 * never holds up the container's other commands; their I/O runs on a pool of its own. Attach
 * sessions ({@link AttachSession}) work the same way: the actor journals, the pool copies.
 */
public final class IoServiceImpl extends IoServiceGrpc.IoServiceImplBase implements AutoCloseable {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(IoServiceImpl.class);

  /** Default and largest ExecSync output kept per stream. */
  static final int MAX_OUTPUT = 16 << 20;

  private final ContainerAsks containers;
  private final ContainerRuntime runtime;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "conman-io");
    t.setDaemon(true);
    return t;
  });

  private final DetachedExecWatcher watcher;

  public IoServiceImpl(ContainerAsks containers, ContainerRuntime runtime) throws java.io.IOException {
    this.containers = containers;
    this.runtime = runtime;
    this.watcher = DetachedExecWatcher.start(runtime, (containerId, execId, code) ->
        pool.execute(() -> detachedEnded(containerId, execId, code, null)));
  }

  @Override
  public void logs(LogsRequest request, StreamObserver<LogEntry> out) {
    if (request.hasTail() && request.getTail() < 0) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("tail must not be negative, not " + request.getTail())
          .asRuntimeException());
      return;
    }
    ServerCallStreamObserver<LogEntry> stream = (ServerCallStreamObserver<LogEntry>) out;
    ReadySignal ready = new ReadySignal(stream);
    containers.forward(request.getRef(), ContainerActor.GetStatus::new).whenComplete((view, failure) -> {
      if (failure != null) {
        out.onError(StatusMapper.toStatus(failure));
        return;
      }
      CompletableFuture<ContainerView> exited = request.getFollow()
          ? containers.forward(view.id(), ContainerActor.Wait::untilFinished, ContainerAsks.UNBOUNDED).toCompletableFuture()
          : CompletableFuture.completedFuture(view);
      Instant since = request.hasSince()
          ? Instant.ofEpochSecond(request.getSince().getSeconds(), request.getSince().getNanos()) : null;
      pool.execute(new LogFollower(view.logPath(), stream, ready, request.getFollow(),
          request.hasTail() ? request.getTail() : null, since, request.getStream(),
          () -> exited.isDone()));
    });
  }

  @Override
  public void execSync(ExecSyncRequest request, StreamObserver<ExecSyncResponse> out) {
    int max = request.getMaxOutputBytes() <= 0 ? MAX_OUTPUT : Math.min(request.getMaxOutputBytes(), MAX_OUTPUT);
    if (request.getSpec().getTty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("ExecSync runs without a terminal: use Exec for tty")
          .asRuntimeException());
      return;
    }
    start(request.getSpec()).thenAcceptAsync(started -> {
      ExecProcess p = started.process();
      BoundedOutput stdout = new BoundedOutput(max);
      BoundedOutput stderr = new BoundedOutput(max);
      try {
        p.stdin().close();
        CompletableFuture<Void> o = CompletableFuture.runAsync(() -> drain(stdout, p.stdout()), pool);
        CompletableFuture<Void> e = CompletableFuture.runAsync(() -> drain(stderr, p.stderr()), pool);
        int timeout = request.getSpec().getTimeoutSeconds();
        if (timeout > 0 && !p.waitFor(timeout, TimeUnit.SECONDS)) {
          p.kill();
          p.waitFor();
          started.ended(null);
          out.onError(Status.DEADLINE_EXCEEDED.withDescription("the command ran longer than " + timeout
              + " s and was killed").asRuntimeException());
          return;
        }
        int code = p.waitFor();
        CompletableFuture.allOf(o, e).join();
        started.ended(code);
        out.onNext(ExecSyncResponse.newBuilder().setStdout(ByteString.copyFrom(stdout.bytes()))
            .setStderr(ByteString.copyFrom(stderr.bytes())).setExitCode(code)
            .setTruncated(stdout.truncated() || stderr.truncated()).build());
        out.onCompleted();
      } catch (java.io.IOException | InterruptedException ex) {
        p.kill();
        started.ended(null);
        out.onError(Status.INTERNAL.withDescription("exec failed: " + ex.getMessage()).asRuntimeException());
      }
    }, pool).exceptionally(failure -> {
      out.onError(StatusMapper.toStatus(failure));
      return null;
    });
  }

  /**
   * docker exec -d: conmon runs the session ({@link ContainerRuntime#execDetached}), so that it
   * outlives this daemon; answered once the process runs. Its end is journaled when conmon writes it
   * ({@link DetachedExecWatcher}), or by the next daemon, which finds the session at its start.
   */
  @Override
  public void execDetached(ExecSpec spec, StreamObserver<ExecDetachedResponse> out) {
    if (spec.getTty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("a detached exec has no terminal: use Exec for tty")
          .asRuntimeException());
      return;
    }
    begin(spec).thenAcceptAsync(b -> {
      try {
        runtime.execDetached(b.containerId(), b.execId(), b.request(), spec.getTimeoutSeconds());
      } catch (RuntimeFailure e) {
        java.util.OptionalInt status = e.commandStatus();
        journalEnd(b.containerId(), b.execId(), status.isPresent() ? status.getAsInt() : null, null);
        out.onError(StatusMapper.toStatus(status.isPresent()
            ? ContainerException.commandNotRunnable("exec", b.containerId(), e)
            : ContainerException.runtime("exec", b.containerId(), e.getMessage())));
        return;
      }
      try {
        watcher.watch(b.containerId(), b.execId());
      } catch (java.io.IOException e) {
        log.error("exec session {} in {} runs, but its end goes unnoticed until the next start: {}", b.execId(),
            b.containerId(), e.toString());
      }
      out.onNext(ExecDetachedResponse.newBuilder().setExecId(b.execId()).build());
      out.onCompleted();
    }, pool).exceptionally(failure -> {
      out.onError(StatusMapper.toStatus(failure));
      return null;
    });
  }

  /**
   * At the daemon's start: the detached sessions an earlier daemon started. Those that ended
   * meanwhile are journaled with the exit code conmon wrote, those that run are watched, and those
   * whose conmon died without writing one are journaled ended with the code unknown. The journal
   * writes go to the I/O pool: the start does not wait for them (the containers' actors take them
   * once recovered).
   */
  public void resumeDetachedExecs() throws java.io.IOException {
    for (ContainerRuntime.DetachedExec s : runtime.detachedExecs()) {
      switch (s.state()) {
        case ENDED -> pool.execute(() -> detachedEnded(s.containerId(), s.execId(), s.exitCode(), null));
        case RUNNING -> watcher.watch(s.containerId(), s.execId());
        case LOST -> pool.execute(() -> detachedEnded(s.containerId(), s.execId(), null,
            "its conmon ended before the process did: exit code unknown"));
      }
    }
  }

  /** Journals a detached session's end, then removes what is left of it (also when its container is gone). */
  private void detachedEnded(String containerId, String execId, Integer code, String reason) {
    journalEnd(containerId, execId, code, reason);
    runtime.forgetDetachedExec(execId);
  }

  /** timeout_seconds: the process is killed, and ends with 137. */
  private void killAtTimeout(ExecSpec spec, ExecProcess p) {
    if (spec.getTimeoutSeconds() > 0) {
      CompletableFuture.delayedExecutor(spec.getTimeoutSeconds(), TimeUnit.SECONDS, pool).execute(p::kill);
    }
  }

  @Override
  public StreamObserver<ExecInput> exec(StreamObserver<ExecOutput> out) {
    AtomicReference<StartedExec> started = new AtomicReference<>();
    return new ExecSession((ServerCallStreamObserver<ExecOutput>) out, pool,
        spec -> start(spec).thenApply(s -> {
          started.set(s);
          killAtTimeout(spec, s.process()); // the client sees 137 as its exit code
          return s.process();
        }),
        code -> started.get().ended(code));
  }

  @Override
  public StreamObserver<dev.conman.api.v1.AttachInput> attach(StreamObserver<dev.conman.api.v1.AttachOutput> out) {
    return new AttachSession((ServerCallStreamObserver<dev.conman.api.v1.AttachOutput>) out, pool, containers, runtime);
  }

  private static void drain(BoundedOutput into, java.io.InputStream from) {
    try {
      into.drain(from);
    } catch (java.io.IOException e) {
      // the pipe closed with the process
    }
  }

  /** An exec the container's actor has journaled and runc has started. */
  private record StartedExec(ExecProcess process, String containerId, String execId, IoServiceImpl io) {
    /** Journals ExecExited ({@link #journalEnd}); {@code code} null when the process was killed for its timeout. */
    void ended(Integer code) {
      io.journalEnd(containerId, execId, code, null);
    }
  }

  /**
   * Journals ExecExited and waits until it is durable, so that the exit code reaches the client
   * after the journal has it. A failed write is logged: the process has ended either way, and the
   * client is told so.
   */
  private void journalEnd(String containerId, String execId, Integer code, String reason) {
    containers.<ContainerView>forward(containerId, r -> new ContainerActor.EndExec(execId, code, reason, r))
        .toCompletableFuture().exceptionally(failure -> {
          log.warn("exec {} in {} ended ({}), but ExecExited was not journaled: {}", execId, containerId, code,
              failure.getMessage());
          return null;
        }).join();
  }

  /** A session journaled as begun (ExecStarted); runc has not run it yet. */
  private record Begun(String containerId, String execId, ContainerRuntime.ExecRequest request) {}

  /** Starts runc exec for a session journaled as begun; its end is journaled as ExecExited. */
  private CompletableFuture<StartedExec> start(ExecSpec spec) {
    return begin(spec).thenApplyAsync(b -> {
      try {
        return new StartedExec(runtime.exec(b.containerId(), b.execId(), b.request()), b.containerId(), b.execId(),
            this);
      } catch (RuntimeFailure e) {
        journalEnd(b.containerId(), b.execId(), null, null);
        throw new CompletionException(ContainerException.runtime("exec", b.containerId(), e.getMessage()));
      }
    }, pool);
  }

  /**
   * Validates the spec and has the container's actor journal ExecStarted (which also refuses a
   * container that is not RUNNING).
   */
  private CompletableFuture<Begun> begin(ExecSpec spec) {
    try {
      ContainerSpecValidator.checkProcess(spec.getCommandList(), spec.getEnvList(), spec.getWorkdir());
    } catch (ContainerException e) {
      return CompletableFuture.failedFuture(e);
    }
    if (spec.getTimeoutSeconds() < 0) {
      return CompletableFuture.failedFuture(ContainerException.invalid(
          "timeout must not be negative, not " + spec.getTimeoutSeconds()));
    }
    ContainerRuntime.ExecRequest request;
    try {
      request = new ContainerRuntime.ExecRequest(spec.getCommandList(), spec.getEnvList(), spec.getWorkdir(),
          spec.getTty(), spec.getTty() ? spec.getSize().getRows() : 0, spec.getTty() ? spec.getSize().getColumns() : 0);
    } catch (IllegalArgumentException e) {
      return CompletableFuture.failedFuture(ContainerException.invalid(e.getMessage()));
    }
    String execId = UUID.randomUUID().toString();
    return containers.<ContainerView>forward(spec.getRef(),
            replyTo -> new ContainerActor.StartExec(execId, spec.getCommandList(), replyTo))
        .toCompletableFuture()
        .thenApply(view -> new Begun(view.id(), execId, request));
  }

  @Override
  public void close() {
    try {
      watcher.close();
    } catch (java.io.IOException e) {
      log.warn("cannot close the exec watcher: {}", e.toString());
    }
    pool.shutdownNow();
  }
}
