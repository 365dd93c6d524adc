package dev.conman.daemon;

import com.typesafe.config.Config;
import dev.conman.actors.ContainerLayout;
import dev.conman.actors.ContainerOperations;
import dev.conman.actors.ContainerSpecValidator;
import dev.conman.actors.ContainerSupervisor;
import dev.conman.grpc.ApiServer;
import dev.conman.grpc.RuntimeServiceImpl;
import dev.conman.grpc.events.EventFeed;
import dev.conman.grpc.events.EventServiceImpl;
import dev.conman.journal.JournalReader;
import dev.conman.journal.JournalSchema;
import dev.conman.journal.JournalSettings;
import dev.conman.reconcile.Observer;
import dev.conman.runc.ExitWatcher;
import dev.conman.runc.RuncRuntime;
import dev.conman.runc.RuntimePaths;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.util.List;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * conmand wired together: root lock, journal, runtime, actors, exit watcher, API server. Started in
 * that order so that the API only answers once the journal is being replayed, and closed in reverse.
 */
public final class Daemon implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Daemon.class);

  private final RootLock lock;
  private final ActorSystem<ContainerSupervisor.Command> system;
  private final ExitWatcher exits;
  private final EventFeed feed;
  private final JournalReader journal;
  private final ApiServer api;

  private Daemon(RootLock lock, ActorSystem<ContainerSupervisor.Command> system, ExitWatcher exits, EventFeed feed,
      JournalReader journal, ApiServer api) {
    this.lock = lock;
    this.system = system;
    this.exits = exits;
    this.feed = feed;
    this.journal = journal;
    this.api = api;
  }

  public static Daemon start(DaemonSettings s, Config config) throws Exception {
    createPrivateDir(s.root());
    createPrivateDir(s.state());
    RootLock lock = RootLock.acquire(s.lockFile());
    try {
      JournalSchema.ensure(s.database());
      RuncRuntime runtime = new RuncRuntime(s.runtime(), s.conmon(), RuntimePaths.under(s.state()), s.runtimeTimeout());
      ContainerOperations operations = new ContainerOperations(runtime, new ContainerLayout(s.containersDir()),
          new Observer(runtime, s.exitFileGrace()), s.killGrace());
      Config full = JournalSettings.withDatabase(config, s.database());
      ActorSystem<ContainerSupervisor.Command> system = ActorSystem.create(
          ContainerSupervisor.create(new ContainerSupervisor.Deps(operations, runtime, Clock.systemUTC())),
          "conmand", full);
      ExitWatcher exits = ExitWatcher.start(runtime.paths().exitDir(), id -> reportExit(system, runtime, id));
      // exits that landed before the watcher ran; actors ignore the ones they already know
      exits.existingIds().forEach(id -> reportExit(system, runtime, id));
      ContainerSpecValidator validator = new ContainerSpecValidator(List.of(s.root(), s.state()));
      JournalReader journal = new JournalReader(s.database(), system.classicSystem());
      EventFeed feed = new EventFeed(journal, s.eventPollInterval(), s.eventMaxLag());
      ApiServer api = ApiServer.start(s.socket(), List.of(
          new RuntimeServiceImpl(system, system.scheduler(), validator, s.askTimeout()),
          new EventServiceImpl(feed, system, system.scheduler(), s.askTimeout(), operations.layout()::log)),
          s.maxMessageBytes());
      log.info("conmand {} serving on {} (root {}, state {}, runtime {}, conmon {})", ProcessHandle.current().pid(),
          s.socket(), s.root(), s.state(), s.runtime(), s.conmon());
      return new Daemon(lock, system, exits, feed, journal, api);
    } catch (Exception | Error e) {
      lock.close();
      throw e;
    }
  }

  private static void reportExit(ActorSystem<ContainerSupervisor.Command> system, RuncRuntime runtime, String id) {
    try {
      runtime.exitRecord(id).ifPresent(exit -> system.tell(new ContainerSupervisor.ExitFileWritten(id, exit)));
    } catch (RuntimeException e) {
      log.warn("ignoring exit file {}: {}", id, e.getMessage());
    }
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

  @Override
  public void close() throws Exception {
    api.close();
    feed.close();
    journal.close();
    exits.close();
    system.terminate();
    system.getWhenTerminated().toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
    lock.close();
  }
}
