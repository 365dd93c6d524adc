package dev.conman.daemon;

import com.typesafe.config.Config;
import dev.conman.actors.CniNetworks;
import dev.conman.actors.ContainerException;
import dev.conman.actors.ContainerLayout;
import dev.conman.actors.Networks;
import dev.conman.network.CniNetwork;
import dev.conman.network.NetworkConfig;
import dev.conman.network.NetworkException;
import dev.conman.actors.ContainerOperations;
import dev.conman.actors.ContainerSpecValidator;
import dev.conman.actors.ContainerSupervisor;
import dev.conman.actors.ImageJournal;
import dev.conman.actors.StoreImages;
import dev.conman.grpc.images.ImageServiceImpl;
import dev.conman.images.ImageStore;
import dev.conman.images.RegistryOptions;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import dev.conman.grpc.ApiServer;
import dev.conman.grpc.ContainerAsks;
import dev.conman.grpc.HostEvents;
import dev.conman.grpc.RuntimeServiceImpl;
import dev.conman.grpc.events.ContainerHistory;
import dev.conman.grpc.events.EventFeed;
import dev.conman.grpc.events.EventServiceImpl;
import dev.conman.grpc.io.IoServiceImpl;
import dev.conman.grpc.system.DaemonFacts;
import dev.conman.grpc.system.SystemServiceImpl;
import dev.conman.grpc.volumes.VolumeServiceImpl;
import dev.conman.journal.JournalReader;
import dev.conman.journal.JournalSchema;
import dev.conman.journal.JournalSettings;
import dev.conman.journal.JournalSignal;
import dev.conman.reconcile.Observer;
import dev.conman.runc.ExitSignals;
import dev.conman.runc.ExitWatcher;
import dev.conman.runc.RuncRuntime;
import dev.conman.runc.Libc;
import dev.conman.runc.RuntimePaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * conmand wired together: root lock, journal, runtime, actors, exit watcher, API server. Started in
 * that order so that the API only answers once the journal is being replayed, and closed in reverse.
 */
public final class Daemon implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  /** What was opened, newest first: closed in this order at shutdown or after a failed start. */
  private final Deque<AutoCloseable> opened = new ArrayDeque<>();
  private ActorSystem<ContainerSupervisor.Command> system;

  private Daemon() {}

  private <T extends AutoCloseable> T open(T resource) {
    opened.push(resource);
    return resource;
  }

  public static Daemon start(DaemonSettings s, Config config) throws Exception {
    return start(s, config, true);
  }

  /**
   * {@code hostBridge} false: containers get no bridge network, and the host's bridge, its lock and
   * its addresses are left to the daemon that serves them (the launcher's training run).
   */
  static Daemon start(DaemonSettings s, Config config, boolean hostBridge) throws Exception {
    createPrivateDir(s.root());
    createPrivateDir(s.state());
    Daemon d = new Daemon();
    try {
      d.open(HolderLock.acquire(s.lockFile(), holder -> "another conmand (pid " + holder + ") already uses the root "
          + s.lockFile().getParent() + "; stop it first, or give this one another --root"));
      refuseEmptiedJournal(s);
      NativeLibraries.useCopiesIn(s.root().resolve("native"));
      // on a thread of its own: the first runc call, the list to reconcile with, would wait for it
      Thread nativeLoad = new Thread(Libc::load, "native-load");
      nativeLoad.setDaemon(true);
      nativeLoad.start();
      JournalSchema.ensure(s.database());
      RuncRuntime runtime = new RuncRuntime(s.runtime(), s.conmon(), RuntimePaths.under(s.state()), s.runtimeTimeout());
      ImageStore store = d.open(ImageStore.open(s.root(), registryOptions(config)));
      // a create that pulls a missing image journals the pull through the image service, made below
      AtomicReference<ImageServiceImpl> imageService = new AtomicReference<>();
      StoreImages images = new StoreImages(store,
          pulled -> imageService.get().journalPull(pulled).toCompletableFuture().join());
      Networks networks = networks(s, d, hostBridge);
      ExitSignals exitSignals = new ExitSignals(ContainerOperations.POLL);
      ContainerOperations operations = new ContainerOperations(runtime,
          new ContainerLayout(s.containersDir(), s.bundlesDir()), new Observer(runtime, s.exitFileGrace()),
          s.killGrace(), s.logSizeMax(), images, networks, exitSignals);
      Config full = JournalSettings.withDatabase(config, s.database());
      JournalSignal journaled = new JournalSignal();
      ActorSystem<ContainerSupervisor.Command> system = ActorSystem.create(
          ContainerSupervisor.create(new ContainerSupervisor.Deps(operations, Clock.systemUTC(), journaled)),
          "conmand", full);
      d.system = system;
      d.open(() -> {
        system.terminate();
        system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
      });
      ExitWatcher exits = d.open(ExitWatcher.start(runtime.paths().exitDir(), id -> {
        exitSignals.exited(id);
        reportExit(system, runtime, id);
      }));
      // exits that landed before the watcher ran; actors ignore the ones they already know
      exits.existingIds().forEach(id -> reportExit(system, runtime, id));
      JournalReader journal = d.open(new JournalReader(s.database(), system.classicSystem()));
      EventFeed feed = d.open(new EventFeed(journal, journaled, s.eventPollInterval(), s.eventMaxLag()));
      ContainerAsks containers = new ContainerAsks(system, system.scheduler(), s.askTimeout());
      ContainerHistory history = new ContainerHistory(feed, operations.layout()::log);
      var blocking = system.dispatchers().lookup(DispatcherSelector.fromConfig(ContainerSupervisor.BLOCKING_DISPATCHER));
      HostEvents hostEvents = new HostEvents(system.systemActorOf(ImageJournal.create(), "images", Props.empty()),
          containers);
      imageService.set(new ImageServiceImpl(store, hostEvents, containers, blocking));
      VolumeServiceImpl volumeService = new VolumeServiceImpl(operations.volumes(), containers, hostEvents, blocking);
      ContainerSpecValidator validator = new ContainerSpecValidator(List.of(s.root(), s.state()), images, networks,
          volumeService);
      IoServiceImpl io = d.open(new IoServiceImpl(containers, runtime));
      io.resumeDetachedExecs();
      DaemonFacts facts = new DaemonFacts(CommandLineArgs.VERSION, ProcessHandle.current().pid(), Instant.now(),
          s.runtime(), s.conmon(), s.root(), s.state(), s.socket(), s.database(), s.defaultNetwork());
      d.open(ApiServer.start(s.socket(), s.socketGroup(), List.of(
          new RuntimeServiceImpl(containers, validator, runtime, blocking, networks, history),
          new EventServiceImpl(feed, containers, history),
          io,
          imageService.get(),
          new SystemServiceImpl(facts, containers, store, journal, blocking),
          volumeService),
          s.maxMessageBytes()));
      d.open(RetentionSchedule.start(s.database(), s.eventRetention()));
      log.info("conmand {} serving on {} (root {}, state {}, runtime {}, conmon {})", ProcessHandle.current().pid(),
          s.socket(), s.root(), s.state(), s.runtime(), s.conmon());
      return d;
    } catch (Exception | Error e) {
      d.close();
      throw e;
    }
  }

  /**
   * Host-wide, beside {@code /run/netns}: one lock file per bridge name, held by the daemon whose
   * containers are on that bridge.
   */
  private static final Path BRIDGE_LOCKS = Path.of("/run/conman-bridges");

  /**
   * The bridge network, or none when this host cannot give it (plugins missing, subnet taken, the
   * bridge held by another daemon):
   * the daemon still serves, containers on none and host networks still work, and a create on the
   * bridge is refused with the reason.
   */
  private static Networks networks(DaemonSettings s, Daemon d, boolean hostBridge) {
    NetworkConfig config = s.network();
    CniNetwork bridge = null;
    String unavailable = "this daemon runs without one";
    if (hostBridge) {
      try {
        d.open(HolderLock.acquire(BRIDGE_LOCKS.resolve(config.bridge() + ".lock"), holder -> "the bridge "
            + config.bridge() + " is in use by another conmand (pid " + holder + "), which hands out its own"
            + " addresses on it; give this daemon a bridge and a subnet of its own (conman.network.bridge and"
            + " conman.network.subnet, or CONMAN_NETWORK_BRIDGE and CONMAN_NETWORK_SUBNET)"));
        bridge = new CniNetwork(config);
        unavailable = null;
      } catch (NetworkException | IOException | RuntimeException e) {
        unavailable = e.getMessage();
        log.warn("the bridge network {} is not available: {}", config.name(), unavailable);
      }
    }
    try {
      return new CniNetworks(bridge, unavailable, config, s.defaultNetwork());
    } catch (ContainerException e) {
      throw new IllegalStateException("invalid default network: " + e.getMessage());
    }
  }

  private static void reportExit(ActorSystem<ContainerSupervisor.Command> system, RuncRuntime runtime, String id) {
    try {
      runtime.exitRecord(id).ifPresent(exit -> system.tell(new ContainerSupervisor.ExitFileWritten(id, exit)));
    } catch (RuntimeException e) {
      log.warn("ignoring exit file {}: {}", id, e.getMessage());
    }
  }

  /**
   * An empty journal file beside containers' directories is a journal that was lost, not a first
   * start: starting afresh would forget every container.
   */
  private static void refuseEmptiedJournal(DaemonSettings s) throws IOException {
    if (Files.exists(s.database()) && Files.size(s.database()) == 0 && Files.isDirectory(s.containersDir())) {
      try (var entries = Files.list(s.containersDir())) {
        if (entries.findAny().isPresent()) {
          throw new dev.conman.journal.DamagedJournalException(s.database(),
              "the file is empty, but " + s.containersDir() + " holds containers");
        }
      }
    }
  }

  /** conman.images: which registries are spoken to over plain HTTP, credentials, platform. */
  static RegistryOptions registryOptions(Config config) {
    Config c = config.getConfig("conman.images");
    RegistryOptions.Builder b = RegistryOptions.builder();
    c.getStringList("insecure-registries").forEach(b::insecureRegistry);
    if (!c.getString("credentials-file").isEmpty()) {
      b.credentialsFile(Path.of(c.getString("credentials-file")));
    }
    b.platform(dev.conman.images.Platform.parse(c.getString("platform")));
    return b.build();
  }

  private static void createPrivateDir(Path dir) throws IOException {
    if (!Files.isDirectory(dir)) {
      Files.createDirectories(dir.getParent());
      Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx--x--x")));
    }
  }

  public void awaitTermination() {
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** Stops serving and releases the root; containers and their conmon shims keep running. */
  @Override
  public void close() {
    while (!opened.isEmpty()) {
      AutoCloseable resource = opened.pop();
      try {
        resource.close();
      } catch (Exception e) {
        log.warn("error while shutting down {}: {}", resource, e.toString());
      }
    }
  }
}
