package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import dev.conman.journal.JournalFailure;
import dev.conman.journal.JournalSettings;
import dev.conman.journal.JournalSignal;
import dev.conman.reconcile.Belief;
import dev.conman.reconcile.Finding;
import dev.conman.reconcile.Observation;
import dev.conman.reconcile.Reconciliation;
import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeFailure;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReplyBuilder;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * One container, event sourced. Its journal ({@code container|<id>}) is the source of truth for its
 * lifecycle; its state is the fold of those events.
 *
 * <p>Every command with a side effect on the host claims the change before applying it: the intent
 * event is persisted first (CreateRequested, StartRequested, StopRequested, KillRequested,
 * DeleteRequested), then the runc work runs on the blocking dispatcher (runc create and start on the
 * launch dispatcher, a few at a time) and comes back as a private result message, then the outcome
 * is persisted (Created / CreateFailed, Started / StartFailed, Exited, Deleted) and the caller
 * answered. While work is in flight every other command is stashed (but GetStatus, which only reads
 * the journaled state, unless a reconciliation may correct it), so commands to one container apply
 * strictly in order; different containers proceed in parallel, and wait for each other only for a
 * place on the launch dispatcher.
 *
 * <pre>
 * Create  -> CreateRequested -> Created(pid)     | CreateFailed         CREATING -> CREATED | CREATE_FAILED
 *   (a create with start: CreateRequested claims both; runc create and the start are one piece of
 *   work, then Created, StartRequested and Started | StartFailed go into one write)
 * Start   -> StartRequested  -> Started(pid)     | StartFailed          CREATED  -> RUNNING | FAILED
 *   (a start of an EXITED or FAILED container runs it again: runc delete, create and start anew)
 * Stop    -> StopRequested   -> Exited(code)                            RUNNING  -> STOPPING -> EXITED
 * Restart -> StopRequested   -> Exited StartRequested -> Started        RUNNING  -> STOPPING -> STARTING -> RUNNING
 *   (a CREATED container is started, an EXITED or FAILED one run again, as by Start)
 * Kill    -> KillRequested   (the exit arrives later as ExitObserved)   RUNNING
 * Pause   -> Paused / Resume -> Resumed (runc pause / resume)            RUNNING <-> PAUSED
 *   (stop, kill and delete of a PAUSED container resume it first: its processes must run to end)
 * (exit file appears)        -> Exited(code)                            RUNNING  -> EXITED
 * Delete  -> DeleteRequested -> [Exited] Deleted                        *        -> DELETING -> DELETED
 * Reconcile (after a restart) -> Reconciled(from, to, reason)           what runc and the exit file say
 * StartExec / EndExec         -> ExecStarted / ExecExited               RUNNING (any phase for the end)
 * StartAttach / EndAttach     -> Attached / Detached                    CREATED, RUNNING; facts.attachments
 * EndLostAttaches (at start)  -> Detached for each attachment left open  any
 * </pre>
 *
 * <p>A replay that ends on an intent without its outcome means the daemon died mid-operation: the
 * {@link Reconcile} command the supervisor sends first asks runc and journals what is true.
 */
public final class ContainerActor
    extends EventSourcedBehaviorWithEnforcedReplies<ContainerActor.Command, ContainerActor.Event, ContainerActor.State> {

  // ---------------------------------------------------------------- commands

  /** Everything the actor accepts. */
  public sealed interface Command extends CborSerializable {}

  /** A command answered with a {@link StatusReply}: success, or a {@link ContainerException}. */
  public sealed interface Request<R> extends Command, JournalWrites.Awaited {
    ActorRef<StatusReply<R>> replyTo();
  }

  /**
   * {@code inRuntime}, if given, hears {@link InRuntime} once CreateRequested is durable and the
   * runtime work (bundle, conmon, runc create: 25 ms and more) begins. With {@code start}, the
   * container is started once created, before the answer (as runc run -d), in the same piece of
   * blocking work: the outcomes of both go into one journal write, and the client makes one call
   * instead of two. A daemon that dies in between leaves CreateRequested alone, and the
   * reconciliation journals what runc says (created, running or exited).
   */
  public record Create(ContainerSpec spec, boolean start, ActorRef<StatusReply<ContainerView>> replyTo,
      ActorRef<InRuntime> inRuntime) implements Request<ContainerView> {
    public Create(ContainerSpec spec, ActorRef<StatusReply<ContainerView>> replyTo) {
      this(spec, false, replyTo, null);
    }
  }

  /** A create's journal writes before runc are done: see {@link Create}. */
  public record InRuntime(String id) {}

  public record Start(ActorRef<StatusReply<ContainerView>> replyTo) implements Request<ContainerView> {}

  /** SIGTERM, then SIGKILL after {@code timeoutSeconds}; answered once the container has exited. */
  public record Stop(int timeoutSeconds, ActorRef<StatusReply<ContainerView>> replyTo) implements Request<ContainerView> {}

  /**
   * docker restart, in one command so that nothing comes between the stop and the start: a running
   * or paused container is stopped as by {@link Stop}, then run again; a created one is started, a
   * finished one run again, as by {@link Start}. A running one created with auto_remove is refused:
   * its stop would delete it.
   */
  public record Restart(int timeoutSeconds, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Request<ContainerView> {}

  public record Kill(int signal, ActorRef<StatusReply<ContainerView>> replyTo) implements Request<ContainerView> {}

  /** Freezes a RUNNING container's processes (runc pause). */
  public record Pause(ActorRef<StatusReply<ContainerView>> replyTo) implements Request<ContainerView> {}

  /** Thaws a PAUSED container's processes (runc resume). */
  public record Resume(ActorRef<StatusReply<ContainerView>> replyTo) implements Request<ContainerView> {}

  /** Answered with the container's id once it is gone. */
  public record Delete(boolean force, ActorRef<StatusReply<String>> replyTo) implements Request<String> {}

  public record GetStatus(ActorRef<StatusReply<ContainerView>> replyTo) implements Request<ContainerView> {}

  /**
   * Answered when the container has finished (at once if it already has), or with {@code
   * untilRemoved} once it has been deleted, with its last status.
   */
  public record Wait(boolean untilRemoved, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Request<ContainerView> {
    public static Wait untilFinished(ActorRef<StatusReply<ContainerView>> replyTo) {
      return new Wait(false, replyTo);
    }
  }

  /**
   * A process is about to be executed in the container (by the API layer, outside the actor, so
   * that long execs never make the container busy): journaled, refused unless RUNNING.
   */
  public record StartExec(String execId, java.util.List<String> command, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Request<ContainerView> {}

  /**
   * An executed process ended; {@code exitCode} null when it could not be known, {@code reason}
   * null unless the daemon ended the session of its own accord. Answered once ExecExited is
   * durable, so that the client learns the exit code only after the journal does.
   */
  public record EndExec(String execId, Integer exitCode, String reason, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Request<ContainerView> {}

  /**
   * A client attaches to the container's stdio (the API layer connects to conmon, outside the
   * actor): journaled, refused unless CREATED or RUNNING, and refused with {@code stdin} for a
   * container created without one.
   */
  public record StartAttach(String attachId, boolean stdin, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Request<ContainerView> {}

  /**
   * An attached client went away; {@code reason} says how (detach keys, disconnect, container
   * exited). Answered once Detached is durable.
   */
  public record EndAttach(String attachId, String reason, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Request<ContainerView> {}

  /**
   * New limits for a CREATED, RUNNING or PAUSED container (fields set in {@code resources} replace
   * the current ones), a new restart policy for any container that is not gone; either may be null.
   * A new policy applies from the next exit on: it starts nothing by itself, as in docker.
   */
  public record Update(dev.conman.runc.Resources resources, RestartPolicy restart,
      ActorRef<StatusReply<ContainerView>> replyTo) implements Request<ContainerView> {}

  /** Sent by the supervisor right after spawning: compare the replayed state with the host. */
  public enum Reconcile implements Command { INSTANCE }

  /**
   * At the daemon's start (from the supervisor, not after a refused journal write, when this
   * daemon's sessions still run): the attach sessions the journal shows open were the stopped
   * daemon's, and ended with it. Each gets its Detached.
   */
  public enum EndLostAttaches implements Command { INSTANCE }

  /** conmon wrote the container's exit file. */
  public record ExitObserved(ExitRecord exit) implements Command {}

  /** Sent by the supervisor once it has forgotten a gone container: nothing more will arrive. */
  public enum Passivate implements Command { INSTANCE }

  /** {@code creation} is null when runc create failed ({@code failure}). */
  private record CreateDone(Creation creation, Throwable failure, boolean start,
      ActorRef<StatusReply<ContainerView>> replyTo) implements Command, JournalWrites.Awaited {}

  /**
   * The blocking part of a create: runc create's outcome at {@code createdAt}, when a create with
   * start also begins its start; then the start's outcome or its failure (both null without a start).
   */
  private record Creation(ContainerOperations.CreateOutcome outcome, Instant createdAt, StartOutcome started,
      Throwable startFailure) {}

  /** The container will not run again: release its address (sent to itself after a final exit). */
  private enum ReleaseNetwork implements Command { INSTANCE }

  /** The container will not run again and was created with auto_remove: delete it (sent to itself). */
  private enum AutoRemove implements Command { INSTANCE }

  private record NetworkReleased(Throwable failure) implements Command {}

  /** {@code started} is null when the start failed. */
  private record StartDone(StartOutcome started, Throwable failure, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Command, JournalWrites.Awaited {}

  /**
   * {@code startedAt} is taken just before the start, so that it never follows the process's exit;
   * {@code exit}: the process had already ended when the start returned, null while it runs. A
   * finished container run again has a new {@code pid} (null: the one of its create), and
   * {@code attached} when it got an address anew (else null).
   */
  private record StartOutcome(Instant startedAt, ExitRecord exit, Integer pid, NetworkAttachment attached) {}

  /**
   * {@code resumed}: the container was paused and the daemon resumed it so that it could end;
   * {@code runAgain}: the stop of a {@link Restart}, which runs it again once the exit is journaled.
   */
  private record StopDone(ExitRecord exit, Throwable failure, boolean resumed, boolean runAgain,
      ActorRef<StatusReply<ContainerView>> replyTo) implements Command, JournalWrites.Awaited {}

  /** {@code resumed}: the container was paused and the daemon resumed it so that it gets the signal. */
  private record KillDone(Throwable failure, boolean resumed, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Command, JournalWrites.Awaited {}

  /** A pause ({@code pause}) or resume done, or failed. */
  private record FreezeDone(boolean pause, Throwable failure, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Command, JournalWrites.Awaited {}

  /** {@code replyTo} is null when the delete resumes one interrupted by a restart. */
  private record DeleteDone(Optional<ExitRecord> exit, Throwable failure, ActorRef<StatusReply<String>> replyTo) implements Command, JournalWrites.Awaited {}

  /**
   * What runc (and conmon's exit file) say; {@code attachment} is the network attachment that a
   * container whose create (or start of a finished run) was cut short keeps, being found created or
   * running, so that its address is journaled too (else null: see
   * {@link ContainerOperations#observeCutShort}).
   */
  private record Observed(Observation observation, NetworkAttachment attachment, Throwable failure)
      implements Command {}

  /** The container exited and its restart policy asks for a restart: schedule it. */
  private enum ScheduleRestart implements Command { INSTANCE }

  /** The backoff delay is over: restart now. */
  private enum RestartNow implements Command { INSTANCE }

  private record RestartDone(ContainerOperations.RunAgain run, Instant startedAt, Throwable failure) implements Command {}

  private record UpdateDone(dev.conman.runc.Resources resources, RestartPolicy restart, Throwable failure,
      ActorRef<StatusReply<ContainerView>> replyTo) implements Command, JournalWrites.Awaited {}

  /** Tells the supervisor that a container is gone (deleted or never created); it then forgets it. */
  public record ContainerGone(String id, Runnable afterForgotten) {}

  // ---------------------------------------------------------------- events

  /** Journaled facts, past tense. Never change the meaning of one: old journals must replay. */
  public sealed interface Event extends CborSerializable {
    String containerId();

    Instant at();
  }

  public record CreateRequested(String containerId, ContainerSpec spec, Instant at) implements Event {}

  public record Created(String containerId, int pid, Instant at) implements Event {}

  public record CreateFailed(String containerId, String reason, Instant at) implements Event {}

  public record StartRequested(String containerId, Instant at) implements Event {}

  public record Started(String containerId, int pid, Instant at) implements Event {}

  public record StartFailed(String containerId, String reason, Instant at) implements Event {}

  public record StopRequested(String containerId, int signal, int timeoutSeconds, Instant at) implements Event {}

  public record KillRequested(String containerId, int signal, Instant at) implements Event {}

  /**
   * runc paused the container. No intent event comes before: runc's state says whether a pause or
   * resume took effect, and a restart's reconciliation journals what it finds.
   */
  public record Paused(String containerId, Instant at) implements Event {}

  /** runc resumed it; {@code reason}: why the daemon did of its own accord (a stop or kill), null when asked. */
  public record Resumed(String containerId, Instant at, String reason) implements Event {}

  /**
   * {@code at} is when the process ended; {@code exitCode} null means nobody recorded it;
   * {@code oomKilled} (null in journals older than it: false) the kernel killed for memory.
   */
  public record Exited(String containerId, Integer exitCode, Instant at, Boolean oomKilled) implements Event {
    public Exited(String containerId, Integer exitCode, Instant at) {
      this(containerId, exitCode, at, false);
    }

    static Exited of(String containerId, ExitRecord exit) {
      return new Exited(containerId, exit.exitCode(), exit.finishedAt(), exit.oomKilled());
    }
  }

  /** The restart policy will run the container again after {@code delayMillis} (attempt of a crash loop, from 1). */
  public record RestartScheduled(String containerId, int attempt, long delayMillis, Instant at) implements Event {}

  /** The restart policy ran the container again; {@code restartCount} restarts so far. */
  public record Restarted(String containerId, int pid, int restartCount, Instant at) implements Event {}

  public record RestartFailed(String containerId, String reason, Instant at) implements Event {}

  /** A user stopped an exited container whose restart was pending: it stays exited. */
  public record RestartCancelled(String containerId, Instant at) implements Event {}

  /** A user changed the restart policy (update --restart). */
  public record RestartPolicyChanged(String containerId, RestartPolicy policy, Instant at) implements Event {}

  /** New resource limits applied to the container's cgroup. */
  public record ResourcesUpdated(String containerId, dev.conman.runc.Resources resources, Instant at) implements Event {}

  /** {@code reason}: why the daemon deletes the container of its own accord (auto_remove); null when a client asked. */
  public record DeleteRequested(String containerId, boolean force, Instant at, String reason) implements Event {}

  public record ExecStarted(String containerId, String execId, java.util.List<String> command, Instant at)
      implements Event {}

  /**
   * {@code reason}: why the daemon ended the session of its own accord (one an earlier daemon left
   * running, found at the start); null otherwise. Journals from before it have none.
   */
  public record ExecExited(String containerId, String execId, Integer exitCode, Instant at, String reason)
      implements Event {}

  /** A client attached to the container's stdio; {@code stdin}: it may write to the container's stdin. */
  public record Attached(String containerId, String attachId, boolean stdin, Instant at) implements Event {}

  /** An attached client went away, for {@code reason}; the container runs on. */
  public record Detached(String containerId, String attachId, String reason, Instant at) implements Event {}

  public record Deleted(String containerId, Instant at) implements Event {}

  /** Journaled with Created: the container's namespace on the bridge network and its address. */
  public record NetworkAttached(String containerId, NetworkAttachment attachment, Instant at) implements Event {}

  /** The address was released and the namespace removed; {@code reason} says why (exited, deleted). */
  public record NetworkDetached(String containerId, String ip, String reason, Instant at) implements Event {}

  /**
   * What the daemon found at restart, when it differed from the journal. {@code pid},
   * {@code exitCode} and {@code finishedAt} carry the facts found, where they apply.
   */
  public record Reconciled(String containerId, Phase from, Phase to, String reason, Integer pid,
      Integer exitCode, Instant finishedAt, Instant at, Boolean oomKilled) implements Event {
    public Reconciled(String containerId, Phase from, Phase to, String reason, Integer pid, Integer exitCode,
        Instant finishedAt, Instant at) {
      this(containerId, from, to, reason, pid, exitCode, finishedAt, at, false);
    }
  }

  // ---------------------------------------------------------------- state

  /**
   * Everything known about a container so far; each phase below carries it.
   *
   * @param attachments the attach sessions journaled as begun and not yet as ended (Attached
   *     without Detached): after a daemon restart, sessions of the daemon that stopped
   */
  public record Facts(String id, ContainerSpec spec, Instant createdAt, Run run, Restarts restarts,
      NetworkAttachment network, java.util.Set<String> attachments) implements CborSerializable {

    /** A snapshot from before attachments were kept has none. */
    public Facts {
      attachments = attachments == null ? java.util.Set.of() : java.util.Set.copyOf(attachments);
    }

    /**
     * The current (or last) run of the container's process.
     *
     * @param previousEnd when the run before this one ended (null for a first run, and in journals
     *     older than it): an exit report from no later than that is the earlier run's
     */
    public record Run(int pid, Instant startedAt, Instant finishedAt, Integer exitCode, String message,
        boolean oomKilled, Instant previousEnd) implements CborSerializable {
      static final Run NONE = new Run(0, null, null, null, null, false, null);

      Run withPid(int newPid) {
        return new Run(newPid, startedAt, finishedAt, exitCode, message, oomKilled, previousEnd);
      }

      Run because(String why) {
        return new Run(pid, startedAt, finishedAt, exitCode, why, oomKilled, previousEnd);
      }

      /** The end of the latest run that has ended: this one's, else the one before. */
      Instant lastEnd() {
        return finishedAt != null ? finishedAt : previousEnd;
      }
    }

    /** The restart policy's bookkeeping: restarts so far, the crash loop's attempt, a pending restart. */
    public record Restarts(int count, int backoff, boolean stoppedByUser, Integer pending) implements CborSerializable {
      static final Restarts NONE = new Restarts(0, 0, false, null);
    }

    static Facts created(String id, ContainerSpec spec, Instant at) {
      return new Facts(id, spec, at, Run.NONE, Restarts.NONE, null, java.util.Set.of());
    }

    public int pid() {
      return run.pid();
    }

    public Instant startedAt() {
      return run.startedAt();
    }

    public Instant finishedAt() {
      return run.finishedAt();
    }

    public Integer exitCode() {
      return run.exitCode();
    }

    public String message() {
      return run.message();
    }

    public boolean oomKilled() {
      return run.oomKilled();
    }

    public int restartCount() {
      return restarts.count();
    }

    public Integer restartPending() {
      return restarts.pending();
    }

    Facts withRun(Run newRun) {
      return new Facts(id, spec, createdAt, newRun, restarts, network, attachments);
    }

    Facts withRestarts(Restarts newRestarts) {
      return new Facts(id, spec, createdAt, run, newRestarts, network, attachments);
    }

    Facts withSpec(ContainerSpec newSpec) {
      return new Facts(id, newSpec, createdAt, run, restarts, network, attachments);
    }

    Facts withNetwork(NetworkAttachment attachment) {
      return new Facts(id, spec, createdAt, run, restarts, attachment, attachments);
    }

    Facts withAttachment(String attachId, boolean open) {
      java.util.Set<String> now = new java.util.HashSet<>(attachments);
      if (open) {
        now.add(attachId);
      } else {
        now.remove(attachId);
      }
      return new Facts(id, spec, createdAt, run, restarts, network, now);
    }

    Facts withPid(int newPid) {
      return withRun(run.withPid(newPid));
    }

    /** A run begins: what the previous run ended with is cleared, and a user's stop no longer holds. */
    Facts started(int newPid, Instant at) {
      return new Facts(id, spec, createdAt, new Run(newPid, at, null, null, null, false, run.lastEnd()),
          new Restarts(restarts.count(), restarts.backoff(), false, null), network, attachments);
    }

    /**
     * The run ended at {@code at}. The exit file's time comes from the kernel's coarse file clock,
     * which can read a few microseconds behind the clock the start was taken from: a run never ends
     * before it started.
     */
    Facts finished(Integer code, Instant at, String why, boolean oom) {
      Instant start = run.startedAt();
      Instant end = at != null && start != null && at.isBefore(start) ? start : at;
      return withRun(new Run(0, start, end, code, why, oom, run.previousEnd()));
    }

    Facts because(String why) {
      return withRun(run.because(why));
    }

    /** A user stopped it: its restart policy no longer applies to this run. */
    Facts markStoppedByUser() {
      return withRestarts(new Restarts(restarts.count(), restarts.backoff(), true, null));
    }

    Facts restartScheduled(int attempt) {
      return withRestarts(new Restarts(restarts.count(), attempt, restarts.stoppedByUser(), attempt));
    }

    Facts restarted(int newPid, Instant at) {
      Facts next = started(newPid, at);
      return next.withRestarts(new Restarts(restarts.count() + 1, restarts.backoff(), false, null));
    }
  }

  /** The fold of a container's events: one record per lifecycle phase. */
  public sealed interface State extends CborSerializable {
    Phase phase();

    /** Null only in {@link Empty}. */
    Facts facts();

    /** State after {@code event}; events that do not apply in this phase leave it unchanged. */
    default State apply(Event event) {
      return ContainerActor.fold(this, event);
    }

    /** Nothing journaled yet. */
    record Empty() implements State {
      public Phase phase() {
        return Phase.CREATING;
      }

      public Facts facts() {
        return null;
      }
    }

    /** runc create in flight. */
    record Creating(Facts facts) implements State {
      public Phase phase() {
        return Phase.CREATING;
      }
    }

    /** Created by runc; the init process waits for start. */
    record Created(Facts facts) implements State {
      public Phase phase() {
        return Phase.CREATED;
      }
    }

    /** The start in flight. */
    record Starting(Facts facts) implements State {
      public Phase phase() {
        return Phase.STARTING;
      }
    }

    record Running(Facts facts) implements State {
      public Phase phase() {
        return Phase.RUNNING;
      }
    }

    /** Frozen by runc pause. */
    record Paused(Facts facts) implements State {
      public Phase phase() {
        return Phase.PAUSED;
      }
    }

    /** SIGTERM sent; SIGKILL follows after the timeout. */
    record Stopping(Facts facts) implements State {
      public Phase phase() {
        return Phase.STOPPING;
      }
    }

    /** The process has ended; the exit code is in the facts unless unknown. */
    record Exited(Facts facts) implements State {
      public Phase phase() {
        return Phase.EXITED;
      }
    }

    /** The start failed; the message says why. */
    record Failed(Facts facts) implements State {
      public Phase phase() {
        return Phase.FAILED;
      }
    }

    /** runc lost a container that never ran. */
    record Lost(Facts facts) implements State {
      public Phase phase() {
        return Phase.UNKNOWN;
      }
    }

    /** A delete in flight; {@code before} is the phase it started from. */
    record Deleting(Facts facts, Phase before) implements State {
      public Phase phase() {
        return Phase.DELETING;
      }
    }

    /** Terminal: deleted, or its creation failed. The journal keeps its history. */
    record Gone(Facts facts, Phase phase) implements State {}
  }

  /** The event handler as a function, so that tests can fold any history. */
  static State fold(State state, Event event) {
    Facts f = state.facts();
    if (event instanceof CreateRequested e) {
      return new State.Creating(Facts.created(e.containerId(), e.spec(), e.at()));
    } else if (event instanceof Created e) {
      return new State.Created(f.withPid(e.pid()));
    } else if (event instanceof CreateFailed e) {
      return new State.Gone(f.because(e.reason()), Phase.CREATE_FAILED);
    } else if (event instanceof StartRequested) {
      return new State.Starting(f);
    } else if (event instanceof Started e) {
      return new State.Running(f.started(e.pid(), e.at()));
    } else if (event instanceof StartFailed e) {
      return new State.Failed(f.finished(null, e.at(), e.reason(), false));
    } else if (event instanceof Paused) {
      return new State.Paused(f);
    } else if (event instanceof Resumed) {
      // after a stop's StopRequested, the resume that lets it end leaves it stopping
      return state instanceof State.Paused ? new State.Running(f) : state;
    } else if (event instanceof StopRequested) {
      return new State.Stopping(f.markStoppedByUser());
    } else if (event instanceof RestartCancelled) {
      return new State.Exited(f.markStoppedByUser());
    } else if (event instanceof RestartScheduled e) {
      return new State.Exited(f.restartScheduled(e.attempt()));
    } else if (event instanceof Restarted e) {
      return new State.Running(f.restarted(e.pid(), e.at()));
    } else if (event instanceof RestartFailed e) {
      return new State.Failed(f.finished(null, e.at(), e.reason(), false));
    } else if (event instanceof ResourcesUpdated e) {
      return withFacts(state, f.withSpec(f.spec().withResources(e.resources())));
    } else if (event instanceof RestartPolicyChanged e) {
      return withFacts(state, f.withSpec(f.spec().withRestart(e.policy())));
    } else if (event instanceof NetworkAttached e) {
      return withFacts(state, f.withNetwork(e.attachment()));
    } else if (event instanceof NetworkDetached) {
      return withFacts(state, f.withNetwork(null));
    } else if (event instanceof Attached e) {
      return f == null ? state : withFacts(state, f.withAttachment(e.attachId(), true));
    } else if (event instanceof Detached e) {
      return f == null ? state : withFacts(state, f.withAttachment(e.attachId(), false));
    } else if (event instanceof KillRequested || event instanceof ExecStarted || event instanceof ExecExited) {
      return state;
    } else if (event instanceof Exited e) {
      boolean oom = Boolean.TRUE.equals(e.oomKilled());
      Facts ended = f.finished(e.exitCode(), e.at(), oom ? "OOMKilled" : e.exitCode() == null ? "exit code unknown" : null,
          oom);
      return state instanceof State.Deleting d ? new State.Deleting(ended, d.before()) : new State.Exited(ended);
    } else if (event instanceof DeleteRequested) {
      return new State.Deleting(f, state.phase());
    } else if (event instanceof Deleted) {
      return new State.Gone(f, Phase.DELETED);
    } else if (event instanceof Reconciled e) {
      return reconciled(f, e);
    }
    throw new IllegalArgumentException("unknown event " + event);
  }

  /** The same phase with other facts (for events that change no phase). */
  private static State withFacts(State state, Facts f) {
    if (state instanceof State.Creating) {
      return new State.Creating(f);
    } else if (state instanceof State.Created) {
      return new State.Created(f);
    } else if (state instanceof State.Starting) {
      return new State.Starting(f);
    } else if (state instanceof State.Running) {
      return new State.Running(f);
    } else if (state instanceof State.Paused) {
      return new State.Paused(f);
    } else if (state instanceof State.Stopping) {
      return new State.Stopping(f);
    } else if (state instanceof State.Exited) {
      return new State.Exited(f);
    } else if (state instanceof State.Failed) {
      return new State.Failed(f);
    } else if (state instanceof State.Lost) {
      return new State.Lost(f);
    } else if (state instanceof State.Deleting d) {
      return new State.Deleting(f, d.before());
    } else if (state instanceof State.Gone g) {
      return new State.Gone(f, g.phase());
    }
    return state;
  }

  private static State reconciled(Facts f, Reconciled e) {
    return switch (e.to()) {
      case CREATED -> new State.Created(f.withPid(e.pid()).because(e.reason()));
      case RUNNING -> new State.Running(runningAgain(f, e));
      case PAUSED -> new State.Paused(runningAgain(f, e));
      case EXITED -> new State.Exited(f.finished(e.exitCode(), e.finishedAt(), e.reason(),
          Boolean.TRUE.equals(e.oomKilled())));
      case UNKNOWN -> new State.Lost(f.finished(null, e.at(), e.reason(), false));
      case CREATE_FAILED, DELETED -> new State.Gone(f.because(e.reason()), e.to());
      default -> throw new IllegalStateException("no reconciliation leads to " + e.to());
    };
  }

  /**
   * Found running (or paused) at a restart: the run the journal knows, or one it missed the start of
   * (a first start, or a start again of a run that had ended).
   */
  private static Facts runningAgain(Facts f, Reconciled e) {
    boolean missedStart = f.startedAt() == null || f.finishedAt() != null;
    return (missedStart ? f.started(e.pid(), e.at()) : f.withPid(e.pid())).because(e.reason());
  }

  // ---------------------------------------------------------------- behavior

  /**
   * What every container actor needs besides its id.
   *
   * @param blocking runs runc and file work
   * @param launches runs runc create and start, the making of the container's processes, a few at a
   *     time: many at once on a few cores made each slower
   */
  public record Deps(ContainerOperations operations, Executor blocking, Executor launches, Clock clock,
      JournalSignal journaled, ActorRef<ContainerGone> supervisor) {}

  public static Behavior<Command> create(String id, Deps deps) {
    return behavior(id, deps, false);
  }

  /**
   * The actor of a new id, nothing journaled yet (the supervisor's spare): its recovery skips the
   * snapshot store's read, which could only find nothing (a snapshot comes every 100 events). Were
   * there events, they would still be replayed from the first: the state is right either way.
   */
  public static Behavior<Command> createNew(String id, Deps deps) {
    return behavior(id, deps, true);
  }

  private static Behavior<Command> behavior(String id, Deps deps, boolean newId) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(
        timers -> new ContainerActor(id, deps, ctx, timers, newId)));
  }

  public static PersistenceId persistenceId(String id) {
    return PersistenceId.of("container", id);
  }

  private final String id;
  private final Deps deps;
  private final ActorContext<Command> ctx;
  /** True while runc work runs: every other command is stashed until its result arrives. */
  private boolean busy;

  /** True while that work is a reconciliation: then even status reads wait for its outcome. */
  private boolean reconciling;
  /** Who waits for the journal write in flight: told at once when the journal refuses it. */
  private final JournalWrites<Command> journalWrites = new JournalWrites<>();
  /** Callers of {@link Wait}, answered when the container finishes. Not journaled: they are connections. */
  private final List<ActorRef<StatusReply<ContainerView>>> waiters = new ArrayList<>();
  /** Callers of {@link Wait} until removed, answered when Deleted is durable (or the delete failed). */
  private final List<ActorRef<StatusReply<ContainerView>>> removalWaiters = new ArrayList<>();

  /** The restart policy's backoff timer. */
  private final org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers;

  /** See {@link #createNew}. */
  private final boolean newId;

  private ContainerActor(String id, Deps deps, ActorContext<Command> ctx,
      org.apache.pekko.actor.typed.javadsl.TimerScheduler<Command> timers, boolean newId) {
    super(persistenceId(id), SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
    this.id = id;
    this.deps = deps;
    this.ctx = ctx;
    this.timers = timers;
    this.newId = newId;
  }

  @Override
  public org.apache.pekko.persistence.typed.javadsl.Recovery recovery() {
    return newId
        ? org.apache.pekko.persistence.typed.javadsl.Recovery.withSnapshotSelectionCriteria(
            org.apache.pekko.persistence.typed.SnapshotSelectionCriteria.none())
        : super.recovery();
  }

  @Override
  public State emptyState() {
    return new State.Empty();
  }

  /**
   * A snapshot every 100 events, so that a long-lived container recovers fast. Events are never
   * deleted on snapshot: the journal is the container's history.
   */
  @Override
  public org.apache.pekko.persistence.typed.javadsl.RetentionCriteria retentionCriteria() {
    return org.apache.pekko.persistence.typed.javadsl.RetentionCriteria.snapshotEvery(100, 2);
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(JournalSettings.CONTAINER_TAG);
  }

  @Override
  public EventHandler<State, Event> eventHandler() {
    return State::apply;
  }

  /** Persists, and once the journal has confirmed, tells live event subscribers at once. */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> persist(Event event) {
    return Effect().persist(event).thenRun(s -> deps.journaled().written());
  }

  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> persist(List<Event> events) {
    return Effect().persist(events).thenRun(s -> deps.journaled().written());
  }

  @Override
  public CommandHandlerWithReply<Command, Event, State> commandHandler() {
    CommandHandlerWithReply<Command, Event, State> byPhase = handlersByPhase();
    return (state, command) -> {
      // a status read sees the journaled state at once: a list or inspect never waits behind a runc
      // call of one container (up to the runtime timeout), and it changes nothing to be ordered
      // against. Not while reconciling: the journaled state may be what runc is being asked to correct.
      if (busy && !isResult(command) && !(command instanceof GetStatus && !reconciling)) {
        return Effect().stash();
      }
      journalWrites.handling(command);
      return byPhase.apply(state, command);
    };
  }

  /**
   * The journal refused a write (disk full, read-only file system): its caller hears so at once,
   * and Pekko restarts this actor from the journal, which holds the state from before the command.
   * Then the actor asks runc what is true, as after a daemon restart: the refused events may have
   * been an outcome (runc did the work) or an observed exit; a container whose creation was never
   * journaled is forgotten. Until the journal takes writes again, that reconciliation fails and is
   * tried anew after each restart's backoff.
   */
  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(JournalPersistFailed.class, (state, failed) -> {
          String why = JournalFailure.explain(ctx.getSystem().settings().config(), failed.failure());
          journalWrites.refused(c -> ContainerException.journalUnavailable(isResult(c)
              ? "the outcome of the operation on container " + id + " is not recorded; conman checks the container"
                  + " with runc until the journal takes it"
              : "container " + id + " is unchanged", why));
          ctx.getSelf().tell(Reconcile.INSTANCE);
        })
        .build();
  }

  private static boolean isResult(Command c) {
    return c instanceof CreateDone || c instanceof StartDone || c instanceof StopDone
        || c instanceof KillDone || c instanceof DeleteDone || c instanceof Observed || c instanceof RestartDone
        || c instanceof UpdateDone || c instanceof NetworkReleased || c instanceof FreezeDone;
  }

  private CommandHandlerWithReply<Command, Event, State> handlersByPhase() {
    CommandHandlerWithReplyBuilder<Command, Event, State> b = newCommandHandlerWithReplyBuilder();
    b.forStateType(State.Empty.class)
        .onCommand(Create.class, this::onCreate)
        .onCommand(Reconcile.class, (s, c) -> forgetIfGone(s))
        .onCommand(Passivate.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand(this::notFound);
    b.forStateType(State.Created.class)
        .onCommand(Start.class, this::onStart)
        .onCommand(Restart.class, (s, c) -> onStart(s, new Start(c.replyTo())))
        .onCommand(Stop.class, (s, c) -> refuse(c, s, "stop", "it was never started; start it or delete it"))
        .onCommand(Kill.class, (s, c) -> refuse(c, s, "signal", "it was never started; start it first"))
        .onCommand(Delete.class, this::onDelete)
        .onCommand(ExitObserved.class, this::onExit);
    b.forStateType(State.Running.class)
        .onCommand(StartExec.class, this::onStartExec)
        .onCommand(Pause.class, (s, c) -> onFreeze(true, c.replyTo()))
        .onCommand(Resume.class, (s, c) -> refuse(c, s, "resume", "it is not paused"));
    b.forStateType(State.Paused.class)
        .onCommand(Resume.class, (s, c) -> onFreeze(false, c.replyTo()))
        .onCommand(Pause.class, (s, c) -> refuse(c, s, "pause", "it is paused already"))
        .onCommand(StartExec.class, (s, c) -> refuse(c, s, "exec in", "its processes are frozen; resume it first"));
    b.forState(s -> s instanceof State.Created || s instanceof State.Running || s instanceof State.Paused)
        .onCommand(StartAttach.class, this::onStartAttach);
    b.forState(s -> s instanceof State.Created || s instanceof State.Running || s instanceof State.Paused
            || s instanceof State.Stopping)
        .onCommand(Update.class, this::onUpdate);
    b.forState(s -> s instanceof State.Exited || s instanceof State.Failed)
        .onCommand(Update.class, (s, c) -> c.resources() == null ? onUpdate(s, c)
            : refuse(c, s, "update", "limits apply to CREATED, RUNNING and PAUSED containers (a restart policy to"
                + " any)"));
    b.forState(s -> s instanceof State.Exited || s instanceof State.Failed)
        .onCommand(Start.class, this::onStartAgain)
        .onCommand(Restart.class, (s, c) -> onStartAgain(s, new Start(c.replyTo())));
    b.forStateType(State.Exited.class)
        .onCommand(ScheduleRestart.class, this::onScheduleRestart)
        .onCommand(RestartNow.class, this::onRestartNow)
        .onCommand(Stop.class, (s, c) -> s.facts().restartPending() == null
            ? Effect().reply(c.replyTo(), StatusReply.success(view(s)))
            : persist(new RestartCancelled(id, now()))
                .thenRun(x -> timers.cancel(RestartNow.INSTANCE))
                .thenReply(c.replyTo(), x -> StatusReply.success(view(x))));
    b.forState(s -> s instanceof State.Running || s instanceof State.Stopping || s instanceof State.Paused)
        .onCommand(Start.class, (s, c) -> refuse(c, s, "start", "it is already running"))
        .onCommand(Stop.class, (s, c) -> stop(s, c.timeoutSeconds(), false, c.replyTo()))
        .onCommand(Restart.class, this::onRestart)
        .onCommand(Kill.class, this::onKill)
        .onCommand(Delete.class, this::onDelete)
        .onCommand(ExitObserved.class, this::onExit);
    // finished: stopping again is a no-op, as in docker; only delete changes anything
    b.forStateType(State.Lost.class)
        .onCommand(Start.class, (s, c) -> refuse(c, s, "start", s.facts().message() + "; delete it"))
        .onCommand(Restart.class, (s, c) -> refuse(c, s, "restart", s.facts().message() + "; delete it"));
    b.forState(s -> s instanceof State.Exited || s instanceof State.Failed || s instanceof State.Lost)
        .onCommand(Stop.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(view(s))))
        .onCommand(Kill.class, (s, c) -> refuse(c, s, "signal", "it is not running"))
        .onCommand(Delete.class, this::onDelete);
    b.forStateType(State.Gone.class)
        .onCommand(Reconcile.class, (s, c) -> forgetIfGone(s))
        .onCommand(Passivate.class, (s, c) -> Effect().stop().thenNoReply())
        .onAnyCommand(this::notFound);
    // Intent phases: only reachable without busy after a restart, before Reconcile has run.
    b.forStateType(State.Creating.class).onCommand(Reconcile.class, this::onReconcile);
    b.forStateType(State.Starting.class).onCommand(Reconcile.class, this::onReconcile);
    b.forStateType(State.Deleting.class)
        .onCommand(Reconcile.class, this::onReconcile)
        // a delete that failed on the host keeps its intent journaled: a new delete carries it out again
        .onCommand(Delete.class, (s, c) -> {
          deleteOnHost(s.before(), c.replyTo());
          return Effect().noReply();
        });
    b.forAnyState()
        .onCommand(GetStatus.class, (s, c) -> Effect().reply(c.replyTo(), StatusReply.success(view(s))))
        .onCommand(Wait.class, this::onWait)
        .onCommand(StartExec.class, (s, c) -> refuse(c, s, "exec in", "a process can only be executed in a"
            + " RUNNING container"))
        .onCommand(Pause.class, (s, c) -> refuse(c, s, "pause", "only a RUNNING container can be paused"))
        .onCommand(Resume.class, (s, c) -> refuse(c, s, "resume", "only a PAUSED container can be resumed"))
        .onCommand(Update.class, (s, c) -> refuse(c, s, "update", "limits apply to CREATED, RUNNING and"
            + " PAUSED containers"))
        .onCommand(ScheduleRestart.class, (s, c) -> Effect().noReply())
        .onCommand(RestartNow.class, (s, c) -> Effect().noReply())
        .onCommand(RestartDone.class, this::onRestartDone)
        .onCommand(UpdateDone.class, this::onUpdateDone)
        .onCommand(EndExec.class, (s, c) -> persist(new ExecExited(id, c.execId(), c.exitCode(), now(), c.reason()))
            .thenReply(c.replyTo(), x -> StatusReply.success(view(x))))
        .onCommand(StartAttach.class, (s, c) -> refuse(c, s, "attach to", "only CREATED, RUNNING and PAUSED"
            + " containers have a stdio to attach to; see 'logs' for the output of a finished one"))
        .onCommand(EndAttach.class, (s, c) -> persist(new Detached(id, c.attachId(), c.reason(), now()))
            .thenReply(c.replyTo(), x -> StatusReply.success(view(x))))
        .onCommand(EndLostAttaches.class, this::onEndLostAttaches)
        .onCommand(Reconcile.class, this::onReconcile)
        .onCommand(ExitObserved.class, (s, c) -> Effect().noReply())
        .onCommand(Passivate.class, (s, c) -> Effect().noReply())
        .onCommand(CreateDone.class, this::onCreateDone)
        .onCommand(ReleaseNetwork.class, this::onReleaseNetwork)
        .onCommand(AutoRemove.class, this::onAutoRemove)
        .onCommand(NetworkReleased.class, this::onNetworkReleased)
        .onCommand(StartDone.class, this::onStartDone)
        .onCommand(StopDone.class, this::onStopDone)
        .onCommand(KillDone.class, this::onKillDone)
        .onCommand(FreezeDone.class, this::onFreezeDone)
        .onCommand(DeleteDone.class, this::onDeleteDone)
        .onCommand(Observed.class, this::onObserved)
        .onCommand(Request.class, (s, c) -> reject((Request<?>) c, ContainerException.wrongPhase(
            id, s.phase(), "change", "wait until the operation in progress has finished")));
    return b.build();
  }

  // ---------------------------------------------------------------- create, start, stop, kill, delete

  private ReplyEffect<Event, State> onCreate(State state, Create c) {
    ContainerSpec spec = c.spec();
    return persist(new CreateRequested(id, spec, now()))
        .thenRun(s -> runLaunch(() -> creation(spec, c.start()),
            (creation, failure) -> new CreateDone(creation, failure, c.start(), c.replyTo())))
        .thenRun(s -> {
          if (c.inRuntime() != null) {
            c.inRuntime().tell(new InRuntime(id));
          }
        })
        .thenNoReply();
  }

  /**
   * runc create, then with {@code start} the start, in one piece of blocking work: a start made
   * after a message to the actor and a journal write in between cost a one-shot a millisecond more
   * and each container a hand-off. Blocking.
   */
  private Creation creation(ContainerSpec spec, boolean start) throws Exception {
    ContainerOperations.CreateOutcome outcome = deps.operations().create(id, spec);
    Instant createdAt = now();
    if (!start) {
      return new Creation(outcome, createdAt, null, null);
    }
    try {
      StartOutcome started = firstStart(createdAt);
      return new Creation(outcome, createdAt,
          new StartOutcome(started.startedAt(), started.exit(), outcome.pid(), null), null);
    } catch (Exception e) {
      return new Creation(outcome, createdAt, null, e);
    }
  }

  private ReplyEffect<Event, State> onCreateDone(State state, CreateDone r) {
    busy = false;
    if (r.failure() == null) {
      Creation c = r.creation();
      List<Event> events = new ArrayList<>();
      if (c.outcome().network() != null) {
        events.add(new NetworkAttached(id, c.outcome().network(), c.createdAt()));
      }
      events.add(new Created(id, c.outcome().pid(), c.createdAt()));
      if (r.start()) {
        events.add(new StartRequested(id, c.createdAt()));
        return startDone(state, events, c.started(), c.startFailure(), r.replyTo());
      }
      return persist(events)
          .thenReply(r.replyTo(), s -> StatusReply.success(view(s)))
          .thenUnstashAll();
    }
    ContainerException error = failure("create", r.failure());
    return persist(new CreateFailed(id, error.getMessage(), now()))
        .thenRun(s -> deps.supervisor().tell(new ContainerGone(id,
            () -> r.replyTo().tell(StatusReply.error(error)))))
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, State> onStart(State state, Start c) {
    return startAfter(c.replyTo(), this::firstStart);
  }

  /** runc's part of the first start of a created container. Blocking. */
  private StartOutcome firstStart(Instant startedAt) throws Exception {
    return new StartOutcome(startedAt, deps.operations().start(id).orElse(null), null, null);
  }

  /**
   * A finished container runs again, as docker start and podman start do: its command anew, with
   * the same id, spec, logs and root filesystem. A pending restart of its policy is superseded.
   */
  private ReplyEffect<Event, State> onStartAgain(State state, Start c) {
    timers.cancel(RestartNow.INSTANCE);
    ContainerSpec spec = state.facts().spec();
    return startAfter(c.replyTo(), startedAt -> startAgain(spec, startedAt));
  }

  /** runc's part of running a finished container again. Blocking. */
  private StartOutcome startAgain(ContainerSpec spec, Instant startedAt) throws Exception {
    ContainerOperations.RunAgain run = deps.operations().runAgain(id, spec);
    return new StartOutcome(startedAt, run.exit().orElse(null), run.pid(), run.attached());
  }

  /** Journals the start's intent, then starts; the outcome goes to {@code replyTo}. */
  private ReplyEffect<Event, State> startAfter(ActorRef<StatusReply<ContainerView>> replyTo, StartWork work) {
    return persist(new StartRequested(id, now()))
        .thenRun(s -> runLaunch(() -> work.run(now()), (started, failure) -> new StartDone(started, failure, replyTo)))
        .thenNoReply();
  }

  /** The runc work of a start, given the time taken just before it. */
  @FunctionalInterface
  private interface StartWork {
    StartOutcome run(Instant startedAt) throws Exception;
  }

  private ReplyEffect<Event, State> onStartDone(State state, StartDone r) {
    busy = false;
    return startDone(state, List.of(), r.started(), r.failure(), r.replyTo());
  }

  /** Journals {@code before} and the start's outcome ({@code o}, null when it failed) in one write, then answers. */
  private ReplyEffect<Event, State> startDone(State state, List<Event> before, StartOutcome o, Throwable failure,
      ActorRef<StatusReply<ContainerView>> replyTo) {
    List<Event> events = new ArrayList<>(before);
    if (failure == null) {
      if (o.attached() != null) {
        events.add(new NetworkAttached(id, o.attached(), now()));
      }
      events.add(new Started(id, o.pid() != null ? o.pid() : state.facts().pid(), o.startedAt()));
      if (o.exit() == null) {
        return persist(events)
            .thenReply(replyTo, s -> StatusReply.success(view(s)))
            .thenUnstashAll();
      }
      // the facts in one write: the exit file was there when the start returned, so the exit
      // watcher's report comes after Exited and is ignored
      events.add(Exited.of(id, o.exit()));
      return persistEnd(state, events)
          .thenReply(replyTo, s -> StatusReply.success(view(s)))
          .thenUnstashAll();
    }
    ContainerException error = failure("start", failure);
    events.add(new StartFailed(id, error.getMessage(), now()));
    return persistEnd(state, events)
        .thenReply(replyTo, s -> StatusReply.error(error))
        .thenUnstashAll();
  }

  /** Why the daemon resumes a paused container that is to be stopped or signalled. */
  public static final String RESUMED_TO_END = "resumed so that its processes can act on the signal";

  private ReplyEffect<Event, State> onRestart(State state, Restart c) {
    if (state.facts().spec().autoRemove()) {
      return refuse(c, state, "restart", "it was created with auto_remove (--rm), so the daemon deletes it once it"
          + " stops; stop it, or create it without --rm");
    }
    return stop(state, c.timeoutSeconds(), true, c.replyTo());
  }

  /** SIGTERM (SIGKILL at once for a timeout of 0), SIGKILL after the timeout; {@code runAgain} for a restart. */
  private ReplyEffect<Event, State> stop(State state, int timeoutSeconds, boolean runAgain,
      ActorRef<StatusReply<ContainerView>> replyTo) {
    int signal = timeoutSeconds == 0 ? 9 : 15;
    Duration timeout = Duration.ofSeconds(timeoutSeconds);
    boolean paused = state instanceof State.Paused;
    boolean[] resumed = {false};
    return persist(new StopRequested(id, signal, timeoutSeconds, now()))
        .thenRun(s -> runBlocking(() -> {
          // a frozen process takes no signal: docker resumes a paused container it stops, too
          resumed[0] = paused && deps.operations().resumeIfPaused(id);
          return deps.operations().stop(id, timeout);
        }, (exit, failure) -> new StopDone(exit, failure, resumed[0], runAgain, replyTo)))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onStopDone(State state, StopDone r) {
    busy = false;
    List<Event> events = new ArrayList<>();
    if (r.resumed()) {
      events.add(new Resumed(id, now(), RESUMED_TO_END));
    }
    if (r.failure() != null) {
      ContainerException error = failure("stop", r.failure());
      return (events.isEmpty() ? Effect().none() : persist(events))
          .thenReply(r.replyTo(), s -> StatusReply.<ContainerView>error(error)).thenUnstashAll();
    }
    events.add(Exited.of(id, r.exit()));
    if (r.runAgain()) {
      return runAgainAfterStop(state, events, r.replyTo());
    }
    return persistEnd(state, events)
        .thenReply(r.replyTo(), s -> StatusReply.success(view(s)))
        .thenUnstashAll();
  }

  /**
   * The start of a restart, in the same write as the stop's exit and with no command in between:
   * waiters hear of the exit; what an exit otherwise calls for (the policy's restart, the release of
   * the address) is not wanted, as it runs again at once.
   */
  private ReplyEffect<Event, State> runAgainAfterStop(State state, List<Event> ending,
      ActorRef<StatusReply<ContainerView>> replyTo) {
    State stopped = applied(state, ending);
    List<Event> events = new ArrayList<>(ending);
    events.add(new StartRequested(id, now()));
    ContainerSpec spec = state.facts().spec();
    return persist(events)
        .thenRun(s -> answerWaiters(stopped))
        .thenRun(s -> runLaunch(() -> startAgain(spec, now()),
            (started, failure) -> new StartDone(started, failure, replyTo)))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onKill(State state, Kill c) {
    boolean paused = state instanceof State.Paused;
    boolean[] resumed = {false};
    return persist(new KillRequested(id, c.signal(), now()))
        .thenRun(s -> runBlocking(() -> {
          deps.operations().kill(id, c.signal());
          // as docker: the signal waits in the frozen process until it runs again
          resumed[0] = paused && deps.operations().resumeIfPaused(id);
          return Boolean.TRUE;
        }, (ok, failure) -> new KillDone(failure, resumed[0], c.replyTo())))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onKillDone(State state, KillDone r) {
    busy = false;
    if (r.failure() instanceof RuntimeFailure f && f.kind() == RuntimeFailure.Kind.NOT_RUNNING) {
      return Effect().reply(r.replyTo(), StatusReply.<ContainerView>error(
          ContainerException.wrongPhase(id, Phase.EXITED, "signal", "its process has already ended"))).thenUnstashAll();
    }
    if (r.failure() != null) {
      return Effect().reply(r.replyTo(), StatusReply.<ContainerView>error(failure("kill", r.failure()))).thenUnstashAll();
    }
    return (r.resumed() ? persist(new Resumed(id, now(), RESUMED_TO_END)) : Effect().none())
        .thenReply(r.replyTo(), s -> StatusReply.success(view(s))).thenUnstashAll();
  }

  /** runc pause ({@code pause}) or resume; the outcome is journaled once runc has done it. */
  private ReplyEffect<Event, State> onFreeze(boolean pause, ActorRef<StatusReply<ContainerView>> replyTo) {
    runBlocking(() -> {
      if (pause) {
        deps.operations().pause(id);
      } else {
        deps.operations().resume(id);
      }
      return Boolean.TRUE;
    }, (ok, failure) -> new FreezeDone(pause, failure, replyTo));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onFreezeDone(State state, FreezeDone r) {
    busy = false;
    String operation = r.pause() ? "pause" : "resume";
    if (r.failure() instanceof RuntimeFailure f && f.kind() == RuntimeFailure.Kind.NOT_RUNNING) {
      // runc disagrees with the journal (its process ended, or it was paused or resumed by hand): ask runc
      ctx.getSelf().tell(Reconcile.INSTANCE);
      return Effect().reply(r.replyTo(), StatusReply.<ContainerView>error(ContainerException.precondition(
          "cannot " + operation + " container " + id + ": " + f.getMessage()))).thenUnstashAll();
    }
    if (r.failure() != null) {
      return Effect().reply(r.replyTo(), StatusReply.<ContainerView>error(failure(operation, r.failure())))
          .thenUnstashAll();
    }
    return persist(r.pause() ? new Paused(id, now()) : new Resumed(id, now(), null))
        .thenReply(r.replyTo(), s -> StatusReply.success(view(s)))
        .thenUnstashAll();
  }

  /** Whether a container in {@code phase} has a process that a delete must kill first. */
  private static boolean ran(Phase phase) {
    return phase == Phase.RUNNING || phase == Phase.STOPPING || phase == Phase.PAUSED;
  }

  private ReplyEffect<Event, State> onDelete(State state, Delete c) {
    boolean running = ran(state.phase());
    if (running && !c.force()) {
      return refuse(c, state, "delete", "stop it first, or delete with force");
    }
    timers.cancel(RestartNow.INSTANCE);
    return persist(new DeleteRequested(id, c.force(), now(), null))
        .thenRun(s -> deleteOnHost(state.phase(), c.replyTo()))
        .thenNoReply();
  }

  /** Deletes in runc and on disk; a process of a container that was in {@code before} is killed first. */
  private void deleteOnHost(Phase before, ActorRef<StatusReply<String>> replyTo) {
    runBlocking(() -> deps.operations().delete(id, ran(before), before == Phase.PAUSED),
        (exit, failure) -> new DeleteDone(exit, failure, replyTo));
  }

  private ReplyEffect<Event, State> onDeleteDone(State state, DeleteDone r) {
    busy = false;
    if (r.failure() != null) {
      ContainerException error = failure("delete", r.failure());
      ctx.getLog().error("{}", error.getMessage());
      // The intent stays journaled: the next restart (or delete) finishes the job.
      if (r.replyTo() != null) {
        r.replyTo().tell(StatusReply.error(error));
      }
      answerRemovalWaiters(StatusReply.error(error));
      return Effect().none().thenNoReply().thenUnstashAll();
    }
    List<Event> events = new ArrayList<>();
    r.exit().ifPresent(exit -> events.add(Exited.of(id, exit)));
    if (state.facts().network() != null) {
      events.add(new NetworkDetached(id, state.facts().network().ip(), "the container was deleted", now()));
    }
    events.add(new Deleted(id, now()));
    // The reply needs Deleted durable, not the supervisor's Unregistered: ContainerGone reaches the
    // supervisor before any request the client makes after this reply, so the name is free for it,
    // and a daemon that dies before Unregistered is journaled unregisters the Gone container at start.
    return persist(events)
        .thenRun(this::afterFinish)
        .thenRun(s -> {
          deps.supervisor().tell(new ContainerGone(id, () -> {}));
          if (r.replyTo() != null) {
            r.replyTo().tell(StatusReply.success(id));
          }
          answerRemovalWaiters(StatusReply.success(view(s)));
        })
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, State> onExit(State state, ExitObserved c) {
    Instant lastEnd = state.facts().run().lastEnd();
    if (lastEnd != null && c.exit().finishedAt() != null && !c.exit().finishedAt().isAfter(lastEnd)) {
      // the exit of an earlier run, reported late (read before a start again removed its file) or
      // twice: this run goes on
      ctx.getLog().debug("container {}: ignoring the exit of an earlier run (ended {})", id, c.exit().finishedAt());
      return Effect().noReply();
    }
    return persistEnd(state, List.of(Exited.of(id, c.exit()))).thenNoReply();
  }

  /** The state the events lead to, as the journal will apply them. */
  private static State applied(State state, List<Event> events) {
    State after = state;
    for (Event e : events) {
      after = after.apply(e);
    }
    return after;
  }

  /**
   * Persists the end of a run, then answers waiters and applies the restart policy. For a
   * container created with auto_remove, the daemon's DeleteRequested goes into the same write and
   * the delete starts once it is durable: one journal write less between the exit and the delete.
   */
  private org.apache.pekko.persistence.typed.javadsl.EffectBuilder<Event, State> persistEnd(State state,
      List<Event> ending) {
    State after = applied(state, ending);
    if (!autoRemoveDue(after)) {
      return persist(ending).thenRun(this::afterFinish);
    }
    List<Event> events = new ArrayList<>(ending);
    events.add(autoRemoveIntent(after));
    return persist(events).thenRun(this::afterFinish).thenRun(s -> deleteOnHost(Phase.EXITED, null));
  }

  private ReplyEffect<Event, State> onStartExec(State state, StartExec c) {
    return persist(new ExecStarted(id, c.execId(), c.command(), now()))
        .thenReply(c.replyTo(), s -> StatusReply.success(view(s)));
  }

  private ReplyEffect<Event, State> onEndLostAttaches(State state, EndLostAttaches c) {
    if (state.facts() == null) {
      return Effect().noReply();
    }
    List<Event> ended = state.facts().attachments().stream().sorted()
        .<Event>map(attachId -> new Detached(id, attachId, LOST_ATTACH, now())).toList();
    return ended.isEmpty() ? Effect().noReply() : persist(ended).thenNoReply();
  }

  /** Detached's reason for a session that ended with the daemon serving it. */
  static final String LOST_ATTACH = "the daemon serving it stopped";

  private ReplyEffect<Event, State> onStartAttach(State state, StartAttach c) {
    if (c.stdin() && !state.facts().spec().stdio().stdin()) {
      return refuse(c, state, "send stdin to", "it was created without --stdin (-i); attach without stdin,"
          + " or create the container with --stdin");
    }
    return persist(new Attached(id, c.attachId(), c.stdin(), now()))
        .thenReply(c.replyTo(), s -> StatusReply.success(view(s)));
  }

  private ReplyEffect<Event, State> onWait(State state, Wait c) {
    if (c.untilRemoved()) {
      removalWaiters.add(c.replyTo());
      return Effect().noReply();
    }
    if (state.phase().finished()) {
      return Effect().reply(c.replyTo(), StatusReply.success(view(state)));
    }
    waiters.add(c.replyTo());
    return Effect().noReply();
  }

  /** A run may have ended: answer waiters, and apply the restart policy or auto_remove. */
  private void afterFinish(State state) {
    answerWaiters(state);
    followUp(state).ifPresent(ctx.getSelf()::tell);
  }

  /**
   * What a finished run calls for next, if anything: its restart, its delete (auto_remove; the
   * delete releases the address too), or the release of its address.
   */
  private static java.util.Optional<Command> followUp(State state) {
    if (wantsRestart(state)) {
      return java.util.Optional.of(ScheduleRestart.INSTANCE);
    }
    if (autoRemoveDue(state)) {
      return java.util.Optional.of(AutoRemove.INSTANCE);
    }
    if (holdsNetworkInVain(state)) {
      return java.util.Optional.of(ReleaseNetwork.INSTANCE);
    }
    return java.util.Optional.empty();
  }

  /**
   * Its process can no longer run: it ended and no restart is pending or due. Not while a delete
   * is in progress, which finishes what this would start.
   */
  private static boolean finishedForGood(State state) {
    boolean ended = state instanceof State.Exited || state instanceof State.Failed || state instanceof State.Lost;
    return ended && state.facts().restartPending() == null && !wantsRestart(state);
  }

  /** Created with auto_remove, and finished for good. */
  private static boolean autoRemoveDue(State state) {
    return finishedForGood(state) && state.facts().spec().autoRemove();
  }

  /**
   * The daemon's own delete, as a client's without force would be, journaled with its reason, so
   * that the history says who deleted the container.
   */
  private ReplyEffect<Event, State> onAutoRemove(State state, AutoRemove c) {
    if (!autoRemoveDue(state)) {
      return Effect().noReply();
    }
    return persist(autoRemoveIntent(state))
        .thenRun(s -> deleteOnHost(Phase.EXITED, null))
        .thenNoReply();
  }

  private DeleteRequested autoRemoveIntent(State finished) {
    return new DeleteRequested(id, false, now(), "auto_remove: the container " + finished.phase()
        + " and was created to be deleted then");
  }

  /**
   * Finished for good (no restart pending or due) while still holding an address: nothing will
   * run in its namespace again, so the address goes back to the pool, as with docker and podman. A
   * user who starts it again gets an address anew.
   */
  private static boolean holdsNetworkInVain(State state) {
    return finishedForGood(state) && state.facts().network() != null;
  }

  private ReplyEffect<Event, State> onReleaseNetwork(State state, ReleaseNetwork c) {
    if (!holdsNetworkInVain(state)) {
      return Effect().noReply();
    }
    runBlocking(() -> deps.operations().releaseNetwork(id), (released, failure) -> new NetworkReleased(failure));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onNetworkReleased(State state, NetworkReleased r) {
    busy = false;
    if (r.failure() != null) {
      // the attachment stays journaled: the next delete (or restart of the daemon) tries again
      ctx.getLog().error("cannot release the network of container {}: {}", id, r.failure().getMessage());
      return Effect().none().thenNoReply().thenUnstashAll();
    }
    return persist(new NetworkDetached(id, state.facts().network().ip(), "the container " + state.phase()
        + " and will not run again", now()))
        .thenNoReply()
        .thenUnstashAll();
  }

  private static boolean wantsRestart(State state) {
    Facts f = state.facts();
    return state instanceof State.Exited && !f.restarts().stoppedByUser() && f.restartPending() == null
        && f.spec().restart().restartAfter(f.exitCode(), f.restartCount());
  }

  private ReplyEffect<Event, State> onScheduleRestart(State state, ScheduleRestart c) {
    if (!wantsRestart(state)) {
      return Effect().noReply();
    }
    Facts f = state.facts();
    boolean ranLong = f.startedAt() != null && f.finishedAt() != null
        && Duration.between(f.startedAt(), f.finishedAt()).compareTo(RestartPolicy.STABLE_RUN) >= 0;
    int attempt = ranLong ? 1 : f.restarts().backoff() + 1;
    Duration delay = RestartPolicy.delay(attempt);
    return persist(new RestartScheduled(id, attempt, delay.toMillis(), now()))
        .thenRun(s -> timers.startSingleTimer(RestartNow.INSTANCE, delay))
        .thenNoReply();
  }

  private ReplyEffect<Event, State> onRestartNow(State state, RestartNow c) {
    Facts f = state.facts();
    if (f.restartPending() == null || f.restarts().stoppedByUser()) {
      return Effect().noReply();
    }
    runLaunch(() -> {
      Instant startedAt = now();
      return new RestartDone(deps.operations().runAgain(id, f.spec()), startedAt, null);
    }, (done, failure) -> failure == null ? done : new RestartDone(null, null, failure));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onRestartDone(State state, RestartDone r) {
    busy = false;
    if (r.failure() != null) {
      return persist(new RestartFailed(id, failure("restart", r.failure()).getMessage(), now()))
          .thenRun(this::afterFinish)
          .thenNoReply()
          .thenUnstashAll();
    }
    List<Event> events = new ArrayList<>();
    if (r.run().attached() != null) {
      events.add(new NetworkAttached(id, r.run().attached(), now()));
    }
    events.add(new Restarted(id, r.run().pid(), state.facts().restartCount() + 1, r.startedAt()));
    if (r.run().exit().isEmpty()) {
      return persist(events)
          .thenNoReply()
          .thenUnstashAll();
    }
    // as after a user's start: the start waited for this exit, so it is journaled with the restart
    // (and the policy looks at it at once), and the exit watcher's report of it is ignored
    events.add(Exited.of(id, r.run().exit().get()));
    return persistEnd(state, events)
        .thenNoReply()
        .thenUnstashAll();
  }

  private ReplyEffect<Event, State> onUpdate(State state, Update c) {
    if (c.restart() != null) {
      try {
        ContainerSpecValidator.checkAutoRemove(state.facts().spec().withRestart(c.restart()));
      } catch (ContainerException e) {
        return reject(c, e);
      }
    }
    if (c.resources() == null) {
      return persist(new RestartPolicyChanged(id, c.restart(), now()))
          .thenReply(c.replyTo(), s -> StatusReply.success(view(s)));
    }
    dev.conman.runc.Resources merged;
    try {
      merged = ResourceLimits.merge(state.facts().spec().resources(), c.resources());
    } catch (IllegalArgumentException e) {
      return reject(c, ContainerException.invalid(e.getMessage()));
    }
    runBlocking(() -> {
      deps.operations().update(id, merged);
      return merged;
    }, (applied, failure) -> new UpdateDone(merged, c.restart(), failure, c.replyTo()));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onUpdateDone(State state, UpdateDone r) {
    busy = false;
    if (r.failure() != null) {
      return Effect().reply(r.replyTo(), StatusReply.<ContainerView>error(failure("update", r.failure())))
          .thenUnstashAll();
    }
    List<Event> events = new ArrayList<>(List.of(new ResourcesUpdated(id, r.resources(), now())));
    if (r.restart() != null) {
      events.add(new RestartPolicyChanged(id, r.restart(), now()));
    }
    return persist(events)
        .thenReply(r.replyTo(), s -> StatusReply.success(view(s)))
        .thenUnstashAll();
  }

  private void answerWaiters(State state) {
    if (state.phase().finished() && !waiters.isEmpty()) {
      ContainerView v = view(state);
      waiters.forEach(w -> w.tell(StatusReply.success(v)));
      waiters.clear();
    }
  }

  private void answerRemovalWaiters(StatusReply<ContainerView> answer) {
    removalWaiters.forEach(w -> w.tell(answer));
    removalWaiters.clear();
  }

  // ---------------------------------------------------------------- reconciliation

  private ReplyEffect<Event, State> onReconcile(State state, Reconcile c) {
    if (state instanceof State.Exited && state.facts().restartPending() != null
        && !state.facts().restarts().stoppedByUser()) {
      // the daemon died while a restart was pending: it is still due
      timers.startSingleTimer(RestartNow.INSTANCE, RestartPolicy.delay(state.facts().restartPending()));
      return Effect().noReply();
    }
    java.util.Optional<Command> next = followUp(state);
    if (next.isPresent()) {
      // the daemon died between the exit and what it calls for (restart, delete, address release)
      ctx.getSelf().tell(next.get());
      return Effect().noReply();
    }
    if (belief(state).isEmpty()) {
      return Effect().noReply();
    }
    // a create, or a start of a finished container, may have attached the network before the kill
    boolean attachCutShort = (state instanceof State.Creating || state instanceof State.Starting)
        && state.facts().network() == null
        && state.facts().spec().network().mode() == dev.conman.network.NetworkMode.BRIDGE;
    reconciling = true;
    runBlocking(() -> {
      if (!attachCutShort) {
        return new Observed(deps.operations().observe(id), null, null);
      }
      ContainerOperations.CutShort found = deps.operations().observeCutShort(id);
      return new Observed(found.observation(), found.attachment(), null);
    }, (observed, failure) -> failure == null ? observed : new Observed(null, null, failure));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> forgetIfGone(State state) {
    deps.supervisor().tell(new ContainerGone(id, () -> {}));
    return Effect().noReply();
  }

  private ReplyEffect<Event, State> onObserved(State state, Observed r) {
    busy = false;
    reconciling = false;
    Optional<Belief> belief = belief(state);
    if (r.failure() != null || belief.isEmpty()) {
      if (r.failure() != null) {
        ctx.getLog().error("cannot reconcile container {}: {}", id, r.failure().getMessage());
      }
      return Effect().none().thenNoReply().thenUnstashAll();
    }
    Finding finding = Reconciliation.decide(belief.get(), r.observation(), now());
    Phase from = state.phase();
    if (finding instanceof Finding.ResumeDelete) {
      ctx.getLog().info("container {}: {}", id, finding.reason());
      Phase before = ((State.Deleting) state).before();
      deleteOnHost(before, null);
      return Effect().none().thenNoReply();
    }
    Reconciled event = toEvent(from, finding);
    if (event == null) {
      return Effect().none().thenNoReply().thenUnstashAll();
    }
    ctx.getLog().warn("container {}: {} -> {}: {}", id, from, event.to(), event.reason());
    if (event.to() == Phase.CREATE_FAILED) {
      // nothing of it may stay behind; a failure here only leaves files that a later delete removes
      inBackground(() -> deps.operations().delete(id, false, false), deps.blocking());
    }
    List<Event> events = new ArrayList<>();
    if (r.attachment() != null) {
      events.add(new NetworkAttached(id, r.attachment(), now()));
    }
    events.add(event);
    return persist(events)
        .thenRun(this::afterFinish)
        .thenRun(s -> {
          if (s instanceof State.Gone) {
            forgetIfGone(s);
          }
        })
        .thenNoReply()
        .thenUnstashAll();
  }

  private Reconciled reconciled(Phase from, Phase to, String reason, Integer pid, Integer exitCode, Instant finishedAt) {
    return new Reconciled(id, from, to, reason, pid, exitCode, finishedAt, now());
  }

  private Reconciled toEvent(Phase from, Finding finding) {
    if (finding instanceof Finding.NowCreated f) {
      return reconciled(from, Phase.CREATED, f.reason(), f.pid(), null, null);
    } else if (finding instanceof Finding.NowRunning f) {
      return reconciled(from, Phase.RUNNING, f.reason(), f.pid(), null, null);
    } else if (finding instanceof Finding.NowPaused f) {
      return reconciled(from, Phase.PAUSED, f.reason(), f.pid(), null, null);
    } else if (finding instanceof Finding.NowExited f) {
      return new Reconciled(id, from, Phase.EXITED, f.reason(), null, f.exitCode(), f.finishedAt(), now(),
          f.oomKilled());
    } else if (finding instanceof Finding.Lost f) {
      return reconciled(from, Phase.UNKNOWN, f.reason(), null, null, null);
    } else if (finding instanceof Finding.NeverCreated f) {
      return reconciled(from, Phase.CREATE_FAILED, f.reason(), null, null, null);
    }
    return null; // Unchanged
  }

  /** What the state claims about runc; empty for phases that claim nothing runc could contradict. */
  private static Optional<Belief> belief(State state) {
    if (state instanceof State.Empty) {
      return Optional.empty();
    }
    return Optional.ofNullable(switch (state.phase()) {
      case CREATING -> Belief.CREATING;
      case CREATED -> Belief.CREATED;
      case STARTING -> Belief.STARTING;
      case RUNNING -> Belief.RUNNING;
      case PAUSED -> Belief.PAUSED;
      case STOPPING -> Belief.STOPPING;
      case DELETING -> Belief.DELETING;
      default -> null;
    });
  }

  // ---------------------------------------------------------------- helpers

  /** A blocking piece of work whose result comes back to this actor as a message. */
  @FunctionalInterface
  interface Work<T> {
    T run() throws Exception;
  }

  /**
   * Runs {@code work} on the blocking dispatcher and marks the actor busy until its result message,
   * made by {@code toMessage} from the value or the failure, has arrived.
   */
  private <T> void runBlocking(Work<T> work, java.util.function.BiFunction<T, Throwable, Command> toMessage) {
    run(deps.blocking(), work, toMessage);
  }

  /** {@link #runBlocking} for runc create and start, on {@link Deps#launches}. */
  private <T> void runLaunch(Work<T> work, java.util.function.BiFunction<T, Throwable, Command> toMessage) {
    run(deps.launches(), work, toMessage);
  }

  private <T> void run(Executor executor, Work<T> work, java.util.function.BiFunction<T, Throwable, Command> toMessage) {
    busy = true;
    ctx.pipeToSelf(inBackground(work, executor), (value, failure) -> toMessage.apply(value, unwrap(failure)));
  }

  private <T> CompletableFuture<T> inBackground(Work<T> work, Executor executor) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        return work.run();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, executor);
  }

  private static Throwable unwrap(Throwable t) {
    while (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
      t = t.getCause();
    }
    return t;
  }

  private ContainerException failure(String operation, Throwable t) {
    if (t instanceof ContainerException e) {
      return e;
    }
    if (t instanceof IllegalArgumentException e) {
      // the request asked for something this host or this root filesystem cannot give (user, cpus, caps)
      return ContainerException.invalid(operation + " of container " + id + " refused: " + e.getMessage());
    }
    if (t instanceof dev.conman.network.NetworkException n) {
      return switch (n.kind()) {
        case INVALID -> ContainerException.invalid(operation + " of container " + id + " refused: " + n.getMessage());
        case PORT_CONFLICT, ALREADY_ATTACHED -> ContainerException.precondition(operation + " of container " + id
            + " refused: " + n.getMessage());
        case TIMEOUT -> ContainerException.timeout(operation, id, n.getMessage());
        default -> ContainerException.runtime(operation, id, "network: " + n.getMessage());
      };
    }
    if (t instanceof RuntimeFailure f) {
      switch (f.kind()) {
        case TIMEOUT:
          return ContainerException.timeout(operation, id, f.getMessage());
        case COMMAND_NOT_FOUND, COMMAND_NOT_EXECUTABLE:
          return ContainerException.commandNotRunnable(operation, id, f);
        default:
          break;
      }
    }
    ctx.getLog().debug("{} of {} failed", operation, id, t);
    return ContainerException.runtime(operation, id, String.valueOf(t.getMessage()));
  }

  private <R> ReplyEffect<Event, State> refuse(Request<R> c, State s, String operation, String hint) {
    return reject(c, ContainerException.wrongPhase(id, s.phase(), operation, hint));
  }

  private <R> ReplyEffect<Event, State> reject(Request<R> c, ContainerException e) {
    return Effect().reply(c.replyTo(), StatusReply.error(e));
  }

  private ReplyEffect<Event, State> notFound(State s, Command c) {
    if (c instanceof Request<?> r) {
      return reject(r, ContainerException.notFound(id));
    }
    return Effect().noReply();
  }

  private ContainerView view(State s) {
    if (s.facts() == null) {
      throw ContainerException.notFound(id);
    }
    return view(s, deps.operations().layout().log(id));
  }

  /** The status a client sees for a state with facts; {@code logPath} is where conmon writes. */
  public static ContainerView view(State s, java.nio.file.Path logPath) {
    Facts f = s.facts();
    return new ContainerView(f.id(), s.phase(), f.spec(), f.pid(), f.exitCode(), f.createdAt(), f.startedAt(),
        f.finishedAt(), f.message(), logPath, f.restartCount(), f.oomKilled(), f.network());
  }

  /** The state after {@code events}, in order: how history and time travel compute past states. */
  public static State replay(List<Event> events) {
    State state = new State.Empty();
    for (Event e : events) {
      state = state.apply(e);
    }
    return state;
  }

  private Instant now() {
    return deps.clock().instant();
  }
}
