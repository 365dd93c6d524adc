package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import dev.conman.journal.JournalFailure;
import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeState;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.typed.JournalPersistFailed;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.RecoveryFailed;
import org.apache.pekko.persistence.typed.SnapshotAdapter;
import org.apache.pekko.persistence.typed.javadsl.CommandHandlerWithReply;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehaviorWithEnforcedReplies;
import org.apache.pekko.persistence.typed.javadsl.ReplyEffect;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * Allocates container ids, keeps names unique, spawns one {@link ContainerActor} per container and
 * routes requests to it. It never waits for a container: it forwards and moves on, so containers
 * proceed in parallel. Its journal ({@code supervisor}) is the registry of live containers.
 *
 * <pre>
 * Create(spec) -> [name free] Registered(id, name) -> the spare child handles Create
 * InRuntime from that child -> spawn the next spare
 * Forward(ref, request) -> resolve id / name / unique id prefix -> child
 * ContainerGone(id) from a child -> Unregistered(id) -> the child's reply, then the child stops
 * (after recovery) spawn every registered child and send it Reconcile; list runc's containers and
 *   journal OrphanReported for those nobody registered
 * </pre>
 *
 * <p>Name uniqueness needs no lock: commands are processed one at a time, and Registered is
 * journaled before the next command is looked at, so of two creates of one name exactly one wins.
 * A name is released only after the container is gone (Unregistered), before its delete is answered.
 *
 * <p>A create is handed to a spare child: the actor of an id not registered yet, whose recovery (a
 * recovery permit, a snapshot load and a replay, each a hop between idle threads: 0.5-0.7 ms of a
 * one-shot's 35 ms) is over by the time the create comes. The next spare is spawned once that
 * create's journal writes before runc are done, so that its recovery does not delay them. The
 * spare has journaled nothing, so a restart finds no trace of it.
 */
public final class ContainerSupervisor
    extends EventSourcedBehaviorWithEnforcedReplies<ContainerSupervisor.Command, ContainerSupervisor.Event,
        ContainerSupervisor.Registry> {

  // ---------------------------------------------------------------- commands

  public sealed interface Command {}

  /** Validated spec in; the created container's view out (started too, if {@code start}). */
  public record Create(ContainerSpec spec, boolean start, ActorRef<StatusReply<ContainerView>> replyTo)
      implements Command, JournalWrites.Awaited {
    public Create(ContainerSpec spec, ActorRef<StatusReply<ContainerView>> replyTo) {
      this(spec, false, replyTo);
    }
  }

  /** Routes {@code request} to the container that {@code ref} (id, name or unique id prefix) names. */
  public record Forward(String ref, ContainerActor.Request<?> request) implements Command {}

  /** Delivers a command that expects no answer to live container {@code id}; dropped if it is gone. */
  public record Notify(String id, ContainerActor.Command command) implements Command {}

  /** The status of every registered container, oldest first; one that does not answer within {@code timeout} is left out. */
  public record ListStatuses(Duration timeout, ActorRef<List<ContainerView>> replyTo) implements Command {}

  /** The full id of the live container that {@code ref} (id, name or unique id prefix) names. */
  public record Resolve(String ref, ActorRef<StatusReply<String>> replyTo) implements Command {}

  /** From the exit watcher: conmon wrote the exit file of container {@code id}. */
  public record ExitFileWritten(String id, ExitRecord exit) implements Command {}

  private record Gone(ContainerActor.ContainerGone gone) implements Command {}

  private record RuncListed(List<RuntimeState> containers, Throwable failure) implements Command {}

  /** A create's journal writes are done: time to spawn the next spare child. */
  private record SpareWanted(ContainerActor.InRuntime after) implements Command {}

  // ---------------------------------------------------------------- events

  public sealed interface Event extends CborSerializable {}

  public record Registered(String containerId, String name, Instant at) implements Event {}

  public record Unregistered(String containerId, Instant at) implements Event {}

  /** A container in conman's runc root that no journal knows of: reported, never touched. */
  public record OrphanReported(String runcId, String status, Instant at) implements Event {}

  // ---------------------------------------------------------------- state

  /**
   * Live containers by id (insertion order = creation order) and by name. Mutated only by the
   * event handler, which is what makes it the fold of the events; kept mutable because it is
   * consulted on every request and copying it per create would cost O(containers). Never stored
   * itself: a snapshot holds a {@link RegistrySnapshot}, which {@link #snapshotAdapter} makes.
   */
  public static final class Registry {
    final Map<String, String> namesById = new java.util.LinkedHashMap<>();
    final Map<String, String> idsByName = new HashMap<>();
    final TreeMap<String, String> ids = new TreeMap<>();
    final Set<String> reportedOrphans = new HashSet<>();

    Registry apply(Event event) {
      if (event instanceof Registered e) {
        add(e.containerId(), e.name());
      } else if (event instanceof Unregistered e) {
        String name = namesById.remove(e.containerId());
        if (name != null) {
          idsByName.remove(name);
        }
        ids.remove(e.containerId());
      } else if (event instanceof OrphanReported e) {
        reportedOrphans.add(e.runcId());
      }
      return this;
    }

    private void add(String id, String name) {
      namesById.put(id, name);
      idsByName.put(name, id);
      ids.put(id, id);
    }

    /** A copy for a snapshot: the snapshot store serializes it on its own thread, while this one changes. */
    RegistrySnapshot snapshot() {
      List<RegistrySnapshot.Live> live = new ArrayList<>(namesById.size());
      namesById.forEach((id, name) -> live.add(new RegistrySnapshot.Live(id, name)));
      return new RegistrySnapshot(live, List.copyOf(reportedOrphans));
    }

    static Registry of(RegistrySnapshot snapshot) {
      Registry registry = new Registry();
      for (RegistrySnapshot.Live l : snapshot.live()) {
        registry.add(l.containerId(), l.name());
      }
      registry.reportedOrphans.addAll(snapshot.reportedOrphans());
      return registry;
    }

    /**
     * Back to empty. Pekko starts every recovery from the one object {@link #emptyState()} gave, and
     * applies an event before the journal has taken it: after a refused write or a failed replay,
     * the restart's replay must not start from what this registry held.
     */
    void clear() {
      namesById.clear();
      idsByName.clear();
      ids.clear();
      reportedOrphans.clear();
    }

    /** Exact id, then exact name, then unique id prefix. */
    String resolve(String ref) {
      if (ref == null || ref.isEmpty()) {
        throw ContainerException.invalid("a container id or name is required");
      }
      if (ref.length() > ContainerSpecValidator.MAX_NAME) {
        throw ContainerException.invalid("'" + ref.substring(0, 32) + "...' (" + ref.length()
            + " characters) is not a container id, id prefix or name: those have at most "
            + ContainerSpecValidator.MAX_NAME + " characters");
      }
      if (namesById.containsKey(ref)) {
        return ref;
      }
      String byName = idsByName.get(ref);
      if (byName != null) {
        return byName;
      }
      SortedMap<String, String> matches = ids.subMap(ref, ref + Character.MAX_VALUE);
      if (matches.size() == 1) {
        return matches.firstKey();
      }
      if (matches.size() > 1) {
        throw ContainerException.ambiguous(ref, matches.size());
      }
      throw ContainerException.notFound(ref);
    }
  }

  /**
   * The registry as a snapshot holds it. The events stay (they are the history); a snapshot every
   * {@link #SNAPSHOT_EVERY} of them bounds what a start replays, which grew with every container
   * ever created: with 900 created and deleted, the replay of 1,850 events took 200 ms of a restart.
   *
   * @param live the live containers in creation order
   */
  public record RegistrySnapshot(List<Live> live, List<String> reportedOrphans) implements CborSerializable {
    public record Live(String containerId, String name) {}
  }

  static final int SNAPSHOT_EVERY = 100;

  // ---------------------------------------------------------------- behavior

  /** What the supervisor needs; runc work runs on {@link #BLOCKING_DISPATCHER}. */
  public record Deps(ContainerOperations operations, Clock clock,
      dev.conman.journal.JournalSignal journaled) {}

  /** The dispatcher for runc and file work, configured in this module's reference.conf. */
  public static final String BLOCKING_DISPATCHER = "conman-blocking-dispatcher";

  /** The dispatcher for runc create and start, a few at a time (this module's reference.conf). */
  public static final String LAUNCH_DISPATCHER = "conman-launch-dispatcher";

  public static final PersistenceId PERSISTENCE_ID = PersistenceId.ofUniqueId("supervisor");

  /** How long a gone container waits before its Unregistered, refused by the journal, is tried again. */
  private static final Duration FORGET_RETRY = Duration.ofSeconds(2);

  public static Behavior<Command> create(Deps deps) {
    return Behaviors.setup(ctx -> new ContainerSupervisor(deps, ctx));
  }

  private final Deps deps;
  private final ActorContext<Command> ctx;
  private final Map<String, ActorRef<ContainerActor.Command>> children = new HashMap<>();
  /** The actor that takes the next create, under the id it will have; not in {@link #children} until registered. */
  private Spare spare;
  private final ActorRef<ContainerActor.InRuntime> inRuntime;
  /** Who waits for the journal write in flight: told at once when the journal refuses it. */
  private final JournalWrites<Command> journalWrites = new JournalWrites<>();
  private final ContainerActor.Deps childDeps;
  private final Executor blocking;

  private ContainerSupervisor(Deps deps, ActorContext<Command> ctx) {
    // the containers live on through a restart after a refused journal write: they have their own journals
    super(PERSISTENCE_ID, SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2)
        .withStopChildren(false));
    this.deps = deps;
    this.ctx = ctx;
    this.blocking = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(BLOCKING_DISPATCHER));
    Executor launches = ctx.getSystem().dispatchers().lookup(DispatcherSelector.fromConfig(LAUNCH_DISPATCHER));
    this.childDeps = new ContainerActor.Deps(deps.operations(), blocking, launches, deps.clock(), deps.journaled(),
        ctx.messageAdapter(ContainerActor.ContainerGone.class, Gone::new));
    this.inRuntime = ctx.messageAdapter(ContainerActor.InRuntime.class, SpareWanted::new);
  }

  @Override
  public Registry emptyState() {
    return new Registry();
  }

  @Override
  public Set<String> tagsFor(Event event) {
    return Set.of(dev.conman.journal.JournalSettings.CONTAINER_TAG);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return RetentionCriteria.snapshotEvery(SNAPSHOT_EVERY, 2);
  }

  /** Runs on this actor's thread when a snapshot is taken: the copy is made before the registry changes again. */
  @Override
  public SnapshotAdapter<Registry> snapshotAdapter() {
    return new SnapshotAdapter<>() {
      @Override
      public Object toJournal(Registry registry) {
        return registry.snapshot();
      }

      @Override
      public Registry fromJournal(Object stored) {
        return Registry.of((RegistrySnapshot) stored);
      }
    };
  }

  @Override
  public EventHandler<Registry, Event> eventHandler() {
    return Registry::apply;
  }

  @Override
  public SignalHandler<Registry> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), this::onRecovered)
        .onSignal(JournalPersistFailed.class, (registry, failed) -> onJournalRefused(registry, failed.failure()))
        .onSignal(RecoveryFailed.class, (registry, failed) -> registry.clear())
        .build();
  }

  /**
   * The journal refused a write (disk full, read-only file system); Pekko restarts this actor from
   * the journal. A create's caller hears at once that nothing was created. A container that is gone
   * is forgotten again a little later, so that its name is released once the journal takes writes;
   * an orphan report is simply made again at the next start.
   */
  private void onJournalRefused(Registry registry, Throwable failure) {
    registry.clear();
    Command refused = journalWrites.refused(c -> ContainerException.journalUnavailable("no container was created",
        JournalFailure.explain(ctx.getSystem().settings().config(), failure)));
    if (refused instanceof Gone gone) {
      ctx.scheduleOnce(FORGET_RETRY, ctx.getSelf(), gone);
    }
  }

  private void onRecovered(Registry registry) {
    // after a restart for a refused journal write the children still live (withStopChildren(false))
    for (String id : registry.namesById.keySet()) {
      if (!children.containsKey(id)) {
        child(id).tell(ContainerActor.Reconcile.INSTANCE);
        child(id).tell(ContainerActor.EndLostAttaches.INSTANCE);
      }
    }
    ctx.getLog().info("journal replayed: {} containers", registry.namesById.size());
    endLostExecs(registry);
    spareReady();
    Set<String> known = Set.copyOf(registry.namesById.keySet());
    CompletableFuture.runAsync(() -> deps.operations().releaseUnknownNetworks(known), blocking);
    ctx.pipeToSelf(CompletableFuture.supplyAsync(() -> {
      try {
        return deps.operations().runcContainers();
      } catch (Exception e) {
        throw new java.util.concurrent.CompletionException(e);
      }
    }, blocking), RuncListed::new);
  }

  /**
   * The exec sessions an earlier daemon left: each one's container journals its end, with the
   * exit code unknown, so that its history does not show a session that never ended.
   */
  private void endLostExecs(Registry registry) {
    for (ContainerRuntime.LostExec lost : deps.operations().takeLostExecs()) {
      if (registry.namesById.containsKey(lost.containerId())) {
        String reason = "the daemon that ran it stopped" + (lost.killed()
            ? "; its process, left without a client, was killed at the next start" : "");
        child(lost.containerId()).tell(new ContainerActor.EndExec(lost.execId(), null, reason,
            ctx.getSystem().ignoreRef()));
      }
    }
  }

  @Override
  public CommandHandlerWithReply<Command, Event, Registry> commandHandler() {
    CommandHandlerWithReply<Command, Event, Registry> handlers = handlers();
    return (registry, command) -> {
      journalWrites.handling(command);
      return handlers.apply(registry, command);
    };
  }

  private CommandHandlerWithReply<Command, Event, Registry> handlers() {
    return newCommandHandlerWithReplyBuilder().forAnyState()
        .onCommand(Create.class, this::onCreate)
        .onCommand(Forward.class, this::onForward)
        .onCommand(ListStatuses.class, (r, c) -> {
          Map<String, ActorRef<ContainerActor.Command>> containers = new LinkedHashMap<>();
          r.namesById.keySet().forEach(id -> containers.put(id, child(id)));
          ctx.spawnAnonymous(StatusCollector.create(containers, c.replyTo(), c.timeout()));
          return Effect().noReply();
        })
        .onCommand(Resolve.class, this::onResolve)
        .onCommand(Notify.class, (r, n) -> {
          if (r.namesById.containsKey(n.id())) {
            child(n.id()).tell(n.command());
          }
          return Effect().noReply();
        })
        .onCommand(ExitFileWritten.class, this::onExitFile)
        .onCommand(Gone.class, this::onGone)
        .onCommand(RuncListed.class, this::onRuncListed)
        .onCommand(SpareWanted.class, (r, w) -> {
          spareReady();
          return Effect().noReply();
        })
        .build();
  }

  private ReplyEffect<Event, Registry> onCreate(Registry registry, Create c) {
    String name = c.spec().name();
    String holder = registry.idsByName.get(name);
    if (holder != null) {
      return Effect().reply(c.replyTo(), StatusReply.error(ContainerException.nameTaken(name, holder)));
    }
    Spare taken = spareReady();
    return Effect().persist(new Registered(taken.id(), name, deps.clock().instant()))
        .thenRun(r -> {
          spare = null;
          children.put(taken.id(), taken.actor());
          // the next spare not now: its recovery would compete with this create's CreateRequested write
          taken.actor().tell(new ContainerActor.Create(c.spec(), c.start(), c.replyTo(), inRuntime));
        })
        .thenNoReply();
  }

  private ReplyEffect<Event, Registry> onForward(Registry registry, Forward f) {
    String id;
    try {
      id = registry.resolve(f.ref());
    } catch (ContainerException e) {
      return Effect().reply(f.request().replyTo(), StatusReply.error(e));
    }
    child(id).tell(f.request());
    return Effect().noReply();
  }

  private ReplyEffect<Event, Registry> onResolve(Registry registry, Resolve r) {
    try {
      return Effect().reply(r.replyTo(), StatusReply.success(registry.resolve(r.ref())));
    } catch (ContainerException e) {
      return Effect().reply(r.replyTo(), StatusReply.error(e));
    }
  }

  private ReplyEffect<Event, Registry> onExitFile(Registry registry, ExitFileWritten e) {
    if (registry.namesById.containsKey(e.id())) {
      child(e.id()).tell(new ContainerActor.ExitObserved(e.exit()));
    }
    return Effect().noReply();
  }

  private ReplyEffect<Event, Registry> onGone(Registry registry, Gone g) {
    String id = g.gone().id();
    Runnable afterForgotten = () -> {
      g.gone().afterForgotten().run();
      ActorRef<ContainerActor.Command> child = children.remove(id);
      if (child != null) {
        // after every request forwarded so far, so none of them is lost
        child.tell(ContainerActor.Passivate.INSTANCE);
      }
    };
    if (!registry.namesById.containsKey(id)) {
      afterForgotten.run();
      return Effect().noReply();
    }
    return Effect().persist(new Unregistered(id, deps.clock().instant()))
        .thenRun(r -> afterForgotten.run())
        .thenNoReply();
  }

  private ReplyEffect<Event, Registry> onRuncListed(Registry registry, RuncListed listed) {
    if (listed.failure() != null) {
      ctx.getLog().error("cannot list runc's containers to look for orphans: {}", listed.failure().getMessage());
      return Effect().noReply();
    }
    List<Event> reports = new ArrayList<>();
    for (RuntimeState s : listed.containers()) {
      if (!registry.namesById.containsKey(s.id()) && !registry.reportedOrphans.contains(s.id())) {
        ctx.getLog().warn("runc container {} ({}) in conman's runc root is unknown to the journal;"
            + " left alone: it was not created through conman's API", s.id(), s.status());
        reports.add(new OrphanReported(s.id(), s.status().name(), deps.clock().instant()));
      }
    }
    return reports.isEmpty() ? Effect().noReply() : Effect().persist(reports).thenNoReply();
  }

  private ActorRef<ContainerActor.Command> child(String id) {
    return children.computeIfAbsent(id, i -> ctx.spawn(ContainerActor.create(i, childDeps), "container-" + i));
  }

  /** The actor of a new id, with nothing journaled: it has no snapshot to look for. */
  private record Spare(String id, ActorRef<ContainerActor.Command> actor) {}

  /**
   * The spare, spawned now if there is none. A create that comes before the spare's recovery is
   * done waits in its mailbox, as it would in a child spawned for it.
   */
  private Spare spareReady() {
    if (spare == null) {
      String id = Ids.next();
      spare = new Spare(id, ctx.spawn(ContainerActor.createNew(id, childDeps), "container-" + id));
    }
    return spare;
  }
}
