package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.conman.reconcile.Observer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Names, ids and routing of the supervisor, with runc replaced by {@link FakeRuntime}. */
class ContainerSupervisorTest {

  @TempDir Path root;
  private ActorTestKit kit;
  private ActorRef<ContainerSupervisor.Command> supervisor;
  private ContainerSpec spec;
  private ContainerSupervisor.Deps deps;
  private FakeRuntime runtime;

  @BeforeEach
  void setUp() throws Exception {
    kit = ActorTestKit.create(EventSourcedBehaviorTestKit.config()
        .withFallback(ConfigFactory.parseResources("conman-journal.conf"))
        .withFallback(ConfigFactory.load()));
    runtime = new FakeRuntime();
    ContainerOperations ops = new ContainerOperations(runtime,
        new ContainerLayout(root.resolve("containers"), root.resolve("state/bundles")),
        new Observer(runtime, Duration.ofMillis(100)), Duration.ofSeconds(2), 0, Images.NONE);
    deps = new ContainerSupervisor.Deps(ops, Clock.systemUTC(), new dev.conman.journal.JournalSignal());
    supervisor = kit.spawn(ContainerSupervisor.create(deps));
    Path rootfs = Files.createDirectories(root.resolve("rootfs"));
    spec = new ContainerSpec("web", rootfs.toString(), List.of("/bin/true"), List.of(), "/", false, Map.of());
  }

  @AfterEach
  void tearDown() {
    kit.shutdownTestKit();
  }

  private StatusReply<ContainerView> create(ContainerSpec s) {
    TestProbe<StatusReply<ContainerView>> probe = kit.createTestProbe();
    supervisor.tell(new ContainerSupervisor.Create(s, probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(5));
  }

  private <R> StatusReply<R> forward(String ref, java.util.function.Function<ActorRef<StatusReply<R>>, ContainerActor.Request<R>> request) {
    TestProbe<StatusReply<R>> probe = kit.createTestProbe();
    supervisor.tell(new ContainerSupervisor.Forward(ref, request.apply(probe.ref())));
    return probe.receiveMessage(Duration.ofSeconds(5));
  }

  @Test
  void aCreateTheJournalRefusesIsAnsweredAtOnceAndLeavesNoTraceNorOtherContainersDisturbed() {
    String first = create(spec).getValue().id();
    List<ContainerView> before = statuses();
    ContainerSpec other = new ContainerSpec("api", spec.image(), spec.command(), List.of(), "/", false, Map.of());

    org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(kit.system()).failNextPersisted();
    StatusReply<ContainerView> refused = create(other);
    ContainerException e = assertInstanceOf(ContainerException.class, refused.getError());
    assertEquals(ContainerException.Code.JOURNAL_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("no container was created"), e.getMessage());

    // restarted from its journal: the refused container is not registered, the live one is unchanged
    assertEquals(before, statuses());
    assertEquals(Phase.CREATED, this.<ContainerView>forward(first, ContainerActor.GetStatus::new).getValue().phase());
    assertTrue(create(other).isSuccess(), "once the journal takes writes, the name is free to use");
    assertEquals(2, statuses().size());
  }

  private List<ContainerView> statuses() {
    TestProbe<List<ContainerView>> probe = kit.createTestProbe();
    supervisor.tell(new ContainerSupervisor.ListStatuses(Duration.ofSeconds(5), probe.ref()));
    return probe.receiveMessage(Duration.ofSeconds(5));
  }

  @Test
  void ofConcurrentCreatesOfOneNameExactlyOneWins() {
    List<TestProbe<StatusReply<ContainerView>>> probes = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      TestProbe<StatusReply<ContainerView>> probe = kit.createTestProbe();
      probes.add(probe);
      supervisor.tell(new ContainerSupervisor.Create(spec, probe.ref()));
    }
    int won = 0;
    for (TestProbe<StatusReply<ContainerView>> probe : probes) {
      StatusReply<ContainerView> reply = probe.receiveMessage(Duration.ofSeconds(5));
      if (reply.isSuccess()) {
        won++;
      } else {
        ContainerException e = assertInstanceOf(ContainerException.class, reply.getError());
        assertEquals(ContainerException.Code.ALREADY_EXISTS, e.code());
      }
    }
    assertEquals(1, won);
  }

  @Test
  void containersAreFoundByIdNameAndUniquePrefix() {
    String id = create(spec).getValue().id();
    assertEquals(id, forward(id, ContainerActor.GetStatus::new).getValue().id());
    assertEquals(id, forward("web", ContainerActor.GetStatus::new).getValue().id());
    assertEquals(id, forward(id.substring(0, 6), ContainerActor.GetStatus::new).getValue().id());
    StatusReply<ContainerView> missing = forward("nothere", ContainerActor.GetStatus::new);
    assertEquals(ContainerException.Code.NOT_FOUND, ((ContainerException) missing.getError()).code());
  }

  @Test
  void anAmbiguousPrefixIsRefused() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 40; i++) {
      ids.add(create(new ContainerSpec("c" + i, spec.image(), spec.command(), List.of(), "/", false, Map.of()))
          .getValue().id());
    }
    // with 40 random ids, some first hex digit is shared by two of them
    String shared = ids.stream().map(i -> i.substring(0, 1))
        .filter(p -> ids.stream().filter(i -> i.startsWith(p)).count() > 1).findFirst().orElseThrow();
    StatusReply<ContainerView> reply = forward(shared, ContainerActor.GetStatus::new);
    ContainerException e = (ContainerException) reply.getError();
    assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("matches"), e.getMessage());
  }

  @Test
  void aDeletedContainersNameIsFreeAsSoonAsTheDeleteIsAnswered() {
    String id = create(spec).getValue().id();
    assertEquals(id, forward("web", (ActorRef<StatusReply<String>> r) -> new ContainerActor.Delete(false, r)).getValue());
    StatusReply<ContainerView> again = create(spec);
    assertTrue(again.isSuccess(), () -> "second create failed: " + again);
    assertEquals(ContainerException.Code.NOT_FOUND,
        ((ContainerException) forward(id, ContainerActor.GetStatus::new).getError()).code());
  }

  @Test
  void anExecSessionAnEarlierDaemonLeftIsJournaledAsEndedAtTheStart() throws InterruptedException {
    ContainerView view = create(spec).getValue();
    runtime.lostExecs.add(new dev.conman.runc.ContainerRuntime.LostExec(view.id(), "e1", true));
    runtime.lostExecs.add(new dev.conman.runc.ContainerRuntime.LostExec("unknown0", "e2", false));

    kit.stop(supervisor);
    supervisor = kit.spawn(ContainerSupervisor.create(deps));
    var journal = org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit.create(kit.system());
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    List<ContainerActor.ExecExited> ended;
    do {
      Thread.sleep(20);
      ended = journal.persistedInStorage(ContainerActor.persistenceId(view.id()).id()).stream()
          .filter(ContainerActor.ExecExited.class::isInstance).map(ContainerActor.ExecExited.class::cast).toList();
    } while (ended.isEmpty() && System.nanoTime() < deadline);

    assertEquals(1, ended.size(), ended::toString);
    assertEquals("e1", ended.get(0).execId());
    assertEquals(null, ended.get(0).exitCode(), "unknown: nobody saw the process end");
    assertTrue(ended.get(0).reason().contains("was killed"), ended.get(0).reason());
    assertTrue(runtime.lostExecs.isEmpty(), "taken by the start; the unknown container's session is dropped");
  }

  @Test
  void createsTakeSpareActorsThatLeaveNoTraceInTheRegistry() {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      ContainerView view = create(new ContainerSpec("c" + i, spec.image(), spec.command(), List.of(), "/", false,
          Map.of())).getValue();
      assertEquals(Phase.CREATED, view.phase());
      ids.add(view.id());
    }
    assertEquals(3, ids.stream().distinct().count(), ids::toString);

    // a daemon restart replays the registry: the spare waiting for the next create was never journaled
    kit.stop(supervisor);
    supervisor = kit.spawn(ContainerSupervisor.create(deps));
    assertEquals(ids, statuses().stream().map(ContainerView::id).toList());
    assertTrue(create(spec).isSuccess());
    assertEquals(4, statuses().size());
  }

  @Test
  void aRestartRecoversTheRegistryFromASnapshotAndTheEventsAfterIt() {
    // names that no id prefix can match: ids are hex
    List<String> live = new ArrayList<>();
    int created = 0;
    // Registered and Unregistered events past the first snapshot, some of them after it
    while (created + (created - live.size()) <= ContainerSupervisor.SNAPSHOT_EVERY + 5) {
      String id = create(new ContainerSpec("name" + created, spec.image(), spec.command(), List.of(), "/", false,
          Map.of())).getValue().id();
      created++;
      if (created % 3 == 0) {
        forward(id, (ActorRef<StatusReply<String>> r) -> new ContainerActor.Delete(false, r)).getValue();
      } else {
        live.add(id);
      }
    }
    var snapshots = org.apache.pekko.persistence.testkit.javadsl.SnapshotTestKit.create(kit.system())
        .persistedInStorage(ContainerSupervisor.PERSISTENCE_ID.id());
    assertEquals(1, snapshots.size(), snapshots::toString);
    assertInstanceOf(ContainerSupervisor.RegistrySnapshot.class, snapshots.get(0).second());

    kit.stop(supervisor);
    supervisor = kit.spawn(ContainerSupervisor.create(deps));
    assertEquals(live, statuses().stream().map(ContainerView::id).toList(), "in creation order");
    assertEquals(live.get(1), forward("name1", ContainerActor.GetStatus::new).getValue().id());
    assertEquals(ContainerException.Code.NOT_FOUND,
        ((ContainerException) forward("name2", ContainerActor.GetStatus::new).getError()).code());
    assertEquals(ContainerException.Code.ALREADY_EXISTS,
        ((ContainerException) create(new ContainerSpec("name4", spec.image(), spec.command(), List.of(), "/", false,
            Map.of())).getError()).code());
  }

  @Test
  void aRegistrySnapshotIsACopyThatRestoresIdsNamesAndOrphans() {
    ContainerSupervisor.Registry registry = new ContainerSupervisor.Registry();
    registry.apply(new ContainerSupervisor.Registered("b2", "second", java.time.Instant.EPOCH));
    registry.apply(new ContainerSupervisor.Registered("a1", "first", java.time.Instant.EPOCH));
    registry.apply(new ContainerSupervisor.OrphanReported("stray", "running", java.time.Instant.EPOCH));
    ContainerSupervisor.RegistrySnapshot snapshot = registry.snapshot();
    registry.apply(new ContainerSupervisor.Unregistered("b2", java.time.Instant.EPOCH));

    ContainerSupervisor.Registry restored = ContainerSupervisor.Registry.of(snapshot);
    assertEquals(List.of("b2", "a1"), List.copyOf(restored.namesById.keySet()), "creation order, as taken");
    assertEquals("b2", restored.resolve("second"));
    assertEquals("a1", restored.resolve("a"));
    assertEquals(java.util.Set.of("stray"), restored.reportedOrphans);
  }
}
