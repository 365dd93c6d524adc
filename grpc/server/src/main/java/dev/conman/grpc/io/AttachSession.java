package dev.conman.grpc.io;

import com.google.protobuf.ByteString;
import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerException;
import dev.conman.actors.ContainerView;
import dev.conman.api.v1.AttachExit;
import dev.conman.api.v1.AttachInput;
import dev.conman.api.v1.AttachOutput;
import dev.conman.api.v1.AttachSpec;
import dev.conman.api.v1.TerminalSize;
import dev.conman.grpc.ContainerAsks;
import dev.conman.grpc.StatusMapper;
import dev.conman.runc.AttachConnection;
import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.RuntimeFailure;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.time.Duration;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Attach call: StartAttach has the container's actor journal Attached (and refuse what it must),
 * then this session holds its own connection to conmon's attach socket. A thread of the I/O pool
 * reads the connection and sends output while the client keeps up; stdin frames are scanned for the
 * detach keys and written one at a time, the next one requested only after the write, so neither
 * direction buffers more than a frame in the daemon. The session ends exactly once, journaling
 * Detached with the reason: the container exited (conmon closed the socket; the exit code is then
 * sent), the detach keys, the client's cancel, or a client too slow to read.
 */
final class AttachSession implements StreamObserver<AttachInput> {

  private static final Logger log = LoggerFactory.getLogger(AttachSession.class);
  /**
   * conmon writes output to its attach clients with blocking writes: while this session does not
   * read, the container's output (and its log, and other clients) waits. A client that takes no
   * output for this long is disconnected rather than holding everyone up.
   */
  static final Duration STALL_LIMIT = Duration.ofSeconds(10);
  /** How long to wait for the exit to be journaled once conmon closed the socket. */
  private static final Duration EXIT_WAIT = Duration.ofSeconds(30);

  private final ServerCallStreamObserver<AttachOutput> out;
  private final ExecutorService pool;
  private final ContainerAsks containers;
  private final ContainerRuntime runtime;
  private final ReadySignal ready;
  private final String attachId = UUID.randomUUID().toString();
  private final AtomicBoolean ended = new AtomicBoolean();
  private final AtomicBoolean endJournaled = new AtomicBoolean();
  private volatile boolean started;
  private volatile String containerId;
  /**
   * For a container created with auto_remove, the wait for its end, asked at attach: by the time
   * conmon closes the socket the daemon may have deleted it, and its exit code with it. (Other
   * containers are asked then, so that attaching to a long-lived one leaves no waiter behind.)
   */
  private volatile CompletableFuture<ContainerView> finishedEarly;
  private volatile String endReason = "client disconnected";
  private volatile boolean stdin;
  private volatile boolean terminal;
  private volatile DetachKeys.Scanner detachKeys;
  private volatile AttachConnection connection;

  AttachSession(ServerCallStreamObserver<AttachOutput> out, ExecutorService pool, ContainerAsks containers,
      ContainerRuntime runtime) {
    this.out = out;
    this.pool = pool;
    this.containers = containers;
    this.runtime = runtime;
    out.disableAutoRequest();
    this.ready = new ReadySignal(out);
    out.setOnCancelHandler(() -> end("client disconnected", null, null));
    out.request(1);
  }

  @Override
  public void onNext(AttachInput input) {
    if (!started) {
      started = true;
      start(input);
      return;
    }
    switch (input.getInputCase()) {
      case STDIN -> {
        if (!stdin) {
          end("protocol error", null, Status.INVALID_ARGUMENT.withDescription(
              "stdin sent without start.stdin: declare stdin when attaching"));
          return;
        }
        pool.execute(() -> writeStdin(input.getStdin()));
      }
      case CLOSE_STDIN -> pool.execute(() -> {
        closeStdin();
        out.request(1);
      });
      case RESIZE -> pool.execute(() -> {
        resize(input.getResize());
        out.request(1);
      });
      default -> out.request(1);
    }
  }

  @Override
  public void onError(Throwable t) {
    end("client disconnected", null, null);
  }

  /** A half-close ends the client's stdin only; output keeps coming until the container ends or a detach. */
  @Override
  public void onCompleted() {
    pool.execute(this::closeStdin);
  }

  private void start(AttachInput input) {
    if (!input.hasStart()) {
      end("protocol error", null, Status.INVALID_ARGUMENT.withDescription("the first Attach message must carry start"));
      return;
    }
    AttachSpec spec = input.getStart();
    DetachKeys keys;
    try {
      keys = DetachKeys.parse(spec.getDetachKeys());
    } catch (ContainerException e) {
      end("protocol error", null, StatusMapper.toStatus(e).getStatus());
      return;
    }
    containers.<ContainerView>forward(spec.getRef(),
        replyTo -> new ContainerActor.StartAttach(attachId, spec.getStdin(), replyTo)).whenComplete((view, failure) -> {
          if (failure != null) {
            end("refused", null, StatusMapper.toStatus(failure).getStatus());
            return;
          }
          containerId = view.id();
          if (view.spec().autoRemove()) {
            finishedEarly = containers.<ContainerView>forward(containerId, ContainerActor.Wait::untilFinished,
                ContainerAsks.UNBOUNDED).toCompletableFuture();
          }
          terminal = view.spec().stdio().terminal();
          stdin = spec.getStdin();
          detachKeys = keys.scanner();
          if (ended.get()) {
            journalEnd(); // the client left while the actor was journaling Attached
            return;
          }
          pool.execute(() -> connectAndPump(spec));
        });
  }

  private void connectAndPump(AttachSpec spec) {
    AttachConnection c;
    try {
      c = runtime.attach(containerId);
    } catch (RuntimeFailure e) {
      end("attach failed", null, Status.FAILED_PRECONDITION.withDescription("container " + containerId
          + " is not running: " + e.getMessage()));
      return;
    }
    connection = c;
    if (ended.get()) {
      c.close(); // cancelled meanwhile: end() found no connection to close
      return;
    }
    if (spec.hasSize()) {
      resize(spec.getSize());
    }
    send(AttachOutput.newBuilder().setAttached(true).build());
    out.request(1);
    pump(c);
  }

  /** Copies conmon's packets to the client until the socket closes. */
  private void pump(AttachConnection c) {
    try {
      AttachConnection.Frame frame;
      while ((frame = c.read()) != null) {
        if (!ready.await(STALL_LIMIT.toMillis())) {
          if (!out.isCancelled()) {
            end("client too slow", null, Status.RESOURCE_EXHAUSTED.withDescription("the client read no output for "
                + STALL_LIMIT.toSeconds() + " s; disconnected so that the container's output does not stall"));
          }
          return;
        }
        ByteString data = ByteString.copyFrom(frame.data());
        send(frame.stderr() ? AttachOutput.newBuilder().setStderr(data).build()
            : AttachOutput.newBuilder().setStdout(data).build());
      }
    } catch (IOException e) {
      log.debug("attach {} to {}: {}", attachId, containerId, e.getMessage());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      end("daemon stopping", null, Status.UNAVAILABLE.withDescription("the daemon is stopping"));
      return;
    }
    if (ended.get()) {
      return; // this side closed the connection: detach or cancel
    }
    // conmon closes its sockets when the container has ended: send how it ended
    CompletableFuture<ContainerView> finished = finishedEarly != null
        ? finishedEarly.orTimeout(EXIT_WAIT.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        : containers.<ContainerView>forward(containerId, ContainerActor.Wait::untilFinished, EXIT_WAIT)
            .toCompletableFuture();
    finished.whenComplete((view, failure) -> {
      AttachExit.Builder exit = AttachExit.newBuilder();
      if (view != null && view.exitCode() != null) {
        exit.setExitCode(view.exitCode());
      }
      end("container exited", AttachOutput.newBuilder().setExited(exit).build(), null);
    });
  }

  private void writeStdin(ByteString bytes) {
    DetachKeys.Scanner.Result r = detachKeys.feed(bytes.toByteArray());
    try {
      if (r.forward().length > 0) {
        connection.write(r.forward());
      }
    } catch (IOException e) {
      // conmon has gone (the container ended): the output side ends the session
    }
    if (r.detach()) {
      end("detach keys", AttachOutput.newBuilder().setDetached(true).build(), null);
    } else {
      out.request(1);
    }
  }

  private void closeStdin() {
    AttachConnection c = connection;
    if (stdin && c != null) {
      c.closeStdin();
    }
  }

  private void resize(TerminalSize size) {
    if (!terminal) {
      return; // documented: sizes mean nothing without a terminal
    }
    try {
      runtime.resize(containerId, size.getRows(), size.getColumns());
    } catch (RuntimeFailure | IllegalArgumentException e) {
      // a lost resize only leaves the old size: not worth ending the session for
      log.debug("resize of {} failed: {}", containerId, e.getMessage());
    }
  }

  private void send(AttachOutput message) {
    synchronized (out) {
      if (!out.isCancelled() && !ended.get()) {
        out.onNext(message);
      }
    }
  }

  /**
   * Ends the session once: closes the connection, journals Detached, then sends {@code last} and
   * completes, or fails with {@code error}, or (both null: the client has gone) sends nothing. The
   * client hears of the end only once the journal holds it.
   */
  private void end(String reason, AttachOutput last, Status error) {
    synchronized (out) {
      if (!ended.compareAndSet(false, true)) {
        return;
      }
      endReason = reason;
    }
    AttachConnection c = connection;
    if (c != null) {
      c.close();
    }
    journalEnd().whenComplete((view, failure) -> {
      synchronized (out) {
        if (!out.isCancelled()) {
          if (error != null) {
            out.onError(error.asRuntimeException());
          } else if (last != null) {
            out.onNext(last);
            out.onCompleted();
          }
        }
      }
    });
  }

  /** Detached, once, and only when Attached was journaled; completes when it is durable. */
  private CompletableFuture<?> journalEnd() {
    String id = containerId;
    if (id == null || !ended.get() || !endJournaled.compareAndSet(false, true)) {
      return CompletableFuture.completedFuture(null);
    }
    return containers.<ContainerView>forward(id, r -> new ContainerActor.EndAttach(attachId, endReason, r)).toCompletableFuture()
        .exceptionally(failure -> {
          if (StatusMapper.notFound(failure)) {
            // deleted meanwhile (run --rm): its history ends with deleted, which ends every attachment
            log.debug("attach {} to {} ended ({}) after the container was deleted", attachId, id, endReason);
          } else {
            log.warn("attach {} to {} ended ({}), but Detached was not journaled: {}", attachId, id, endReason,
                failure.getMessage());
          }
          return null;
        });
  }
}
