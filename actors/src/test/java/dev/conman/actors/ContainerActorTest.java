package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import dev.conman.reconcile.Observer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestKitJunitResource;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.apache.pekko.persistence.testkit.PersistenceTestKitPlugin;
import org.apache.pekko.persistence.testkit.javadsl.PersistenceTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The container actor's state machine, with runc replaced by {@link FakeRuntime}. */
class ContainerActorTest {

  private static final org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit KIT =
      org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit.create(
          EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.parseResources("conman-journal.conf"))
              .withFallback(ConfigFactory.parseString("pekko.persistence.journal.plugin = \"pekko.persistence.testkit.journal\"\n"
                  + "pekko.persistence.snapshot-store.plugin = \"\"")));
  private static final ExecutorService BLOCKING = Executors.newCachedThreadPool();

  /** Counts what it runs, on {@link #BLOCKING}. */
  private static final class CountingExecutor implements java.util.concurrent.Executor {
    final java.util.concurrent.atomic.AtomicInteger runs = new java.util.concurrent.atomic.AtomicInteger();

    @Override
    public void execute(Runnable task) {
      runs.incrementAndGet();
      BLOCKING.execute(task);
    }
  }

  private final CountingExecutor blocking = new CountingExecutor();
  private final CountingExecutor launches = new CountingExecutor();

  @TempDir Path root;
  private FakeRuntime runtime;
  private FakeNetworks networks;
  private TestProbe<ContainerActor.ContainerGone> supervisor;
  private final String id = Ids.next();
  private EventSourcedBehaviorTestKit<ContainerActor.Command, ContainerActor.Event, ContainerActor.State> kit;

  @AfterAll
  static void shutdown() {
    KIT.shutdownTestKit();
    BLOCKING.shutdownNow();
  }

  @BeforeEach
  void setUp() {
    runtime = new FakeRuntime();
    networks = new FakeNetworks();
    supervisor = KIT.createTestProbe();
    kit = EventSourcedBehaviorTestKit.create(KIT.system(), ContainerActor.create(id, deps()));
  }

  private ContainerActor.Deps deps() {
    ContainerOperations ops = new ContainerOperations(runtime,
        new ContainerLayout(root.resolve("containers"), root.resolve("state/bundles")),
        new Observer(runtime, Duration.ofMillis(100)), Duration.ofSeconds(2), 0, Images.NONE, networks,
        new dev.conman.runc.ExitSignals(ContainerOperations.POLL));
    return new ContainerActor.Deps(ops, blocking, launches, Clock.systemUTC(), new dev.conman.journal.JournalSignal(),
        supervisor.ref());
  }

  private ContainerSpec spec() throws IOException {
    Path rootfs = Files.createDirectories(root.resolve("rootfs"));
    return new ContainerSpec("web", rootfs.toString(), List.of("/bin/sleep", "100"), List.of("A=1"), "/",
        false, Map.of("app", "demo"));
  }

  private StatusReply<ContainerView> create() throws IOException {
    ContainerSpec spec = spec();
    return kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, r)).reply();
  }

  private StatusReply<ContainerView> ask(java.util.function.Function<org.apache.pekko.actor.typed.ActorRef<StatusReply<ContainerView>>, ContainerActor.Command> c) {
    return kit.<StatusReply<ContainerView>>runCommand(c::apply).reply();
  }

  /** runCommand returns when the command is handled; results of runc work arrive a little later. */
  private ContainerView awaitPhase(Phase phase) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (true) {
      ContainerView v = ask(ContainerActor.GetStatus::new).getValue();
      if (v.phase() == phase || System.nanoTime() > deadline) {
        assertEquals(phase, v.phase());
        return v;
      }
      Thread.onSpinWait();
    }
  }

  private ContainerException error(StatusReply<?> reply) {
    assertTrue(reply.isError(), () -> "expected an error, got " + reply);
    return assertInstanceOf(ContainerException.class, reply.getError());
  }

  @Test
  void createJournalsIntentThenOutcomeAndWritesTheBundle() throws IOException {
    ContainerView v = create().getValue();
    assertEquals(Phase.CREATED, v.phase());
    assertEquals(100, v.pid());
    assertTrue(Files.isRegularFile(bundle().resolve("config.json")));
    assertTrue(Files.isDirectory(root.resolve("containers").resolve(id)), "the directory for the log");
    assertInstanceOf(ContainerActor.State.Created.class, kit.getState());
  }

  @Test
  void aCreateSaysWhenItsJournalWritesBeforeRuncAreDone() throws IOException {
    ContainerSpec spec = spec();
    TestProbe<ContainerActor.InRuntime> inRuntime = KIT.createTestProbe();
    TestProbe<StatusReply<ContainerView>> client = KIT.createTestProbe();
    runtime.blockCreate = new java.util.concurrent.CountDownLatch(1);
    kit.runCommand(new ContainerActor.Create(spec, false, client.ref(), inRuntime.ref()));
    assertEquals(id, inRuntime.receiveMessage().id());
    assertEquals(List.of(ContainerActor.CreateRequested.class), journaled().stream().map(Object::getClass).toList(),
        "told once CreateRequested is durable, while runc create is at work");
    runtime.blockCreate.countDown();
    assertEquals(Phase.CREATED, client.receiveMessage().getValue().phase());
  }

  @Test
  void aCreateWithStartAnswersOnceItRunsWithTheCreatedAndTheStartsIntentInOneWrite() throws IOException {
    ContainerSpec spec = spec();
    StatusReply<ContainerView> reply =
        kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, true, r, null)).reply();
    assertEquals(Phase.RUNNING, reply.getValue().phase());
    assertEquals(List.of(ContainerActor.CreateRequested.class, ContainerActor.Created.class,
        ContainerActor.StartRequested.class, ContainerActor.Started.class),
        journaled().stream().map(Object::getClass).toList());
    assertEquals(1, runtime.calls.stream().filter(c -> c.startsWith("start")).count(), "started once: " + runtime.calls);
    List<Object> events = journaled();
    ContainerActor.Created created = (ContainerActor.Created) events.get(1);
    ContainerActor.StartRequested asked = (ContainerActor.StartRequested) events.get(2);
    ContainerActor.Started started = (ContainerActor.Started) events.get(3);
    assertEquals(100, started.pid(), "the pid of the create");
    assertFalse(asked.at().isBefore(created.at()), "created, then the start asked: " + events);
    assertFalse(started.at().isBefore(asked.at()), events::toString);
  }

  @Test
  void aCreateWithStartWhoseStartFailsAnswersTheStartsErrorAndLeavesItFailed() throws IOException {
    ContainerSpec spec = spec();
    runtime.failStart = "runc start: permission denied";
    ContainerException e = error(
        kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, true, r, null)).reply());
    assertEquals(ContainerException.Code.RUNTIME_FAILED, e.code());
    assertTrue(e.getMessage().contains(id), "the message names the container the client never learnt: " + e.getMessage());
    assertEquals(Phase.FAILED, ask(ContainerActor.GetStatus::new).getValue().phase());
    assertEquals(List.of(ContainerActor.CreateRequested.class, ContainerActor.Created.class,
        ContainerActor.StartRequested.class, ContainerActor.StartFailed.class), journaledTypes());
  }

  @Test
  void failedCreateIsTerminalAndReleasesTheNameBeforeAnswering() throws IOException {
    runtime.failCreate = "exec: \"/bin/nope\": no such file or directory";
    runtime.failCreateKind = dev.conman.runc.RuntimeFailure.Kind.COMMAND_NOT_FOUND;
    ContainerSpec spec = spec();
    TestProbe<StatusReply<ContainerView>> client = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Create(spec, client.ref()));
    ContainerActor.ContainerGone gone = supervisor.expectMessageClass(ContainerActor.ContainerGone.class);
    assertEquals(id, gone.id());
    client.expectNoMessage(Duration.ofMillis(100));
    gone.afterForgotten().run();
    ContainerException e = error(client.receiveMessage());
    assertEquals(ContainerException.Code.COMMAND_NOT_FOUND, e.code(), "the request named a wrong command");
    assertEquals("create of container " + id + " refused: exec: \"/bin/nope\": no such file or directory",
        e.getMessage());
    assertFalse(Files.exists(root.resolve("containers").resolve(id)), "directory removed after a failed create");
    assertFalse(Files.exists(bundle()), "bundle removed after a failed create");
    assertEquals(Phase.CREATE_FAILED, kit.getState().phase());
  }

  private StatusReply<ContainerView> createOnBridge(String restartPolicy) throws IOException {
    ContainerSpec base = spec();
    ContainerSpec spec = new ContainerSpec(base.name(), base.image(), base.command(), base.env(), base.workdir(), false,
        base.labels(), null, RestartPolicy.parse(restartPolicy), null, null,
        new NetworkSpec("test", List.of(dev.conman.network.PortMapping.tcp(8080, 80)), "web1"), null, null, null);
    return kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, r)).reply();
  }

  private List<Object> journaled() {
    return PersistenceTestKit.create(KIT.system()).persistedInStorage(ContainerActor.persistenceId(id).id());
  }

  @Test
  void aBridgeContainerJoinsItsAttachedNamespaceAndReleasesTheAddressWhenItWillNotRunAgain() throws Exception {
    ContainerView created = createOnBridge("no").getValue();
    assertEquals("10.0.0.2", created.network().ip());
    assertEquals(List.of(dev.conman.network.PortMapping.tcp(8080, 80)), created.network().ports());
    String config = Files.readString(bundle().resolve("config.json"));
    assertTrue(config.contains("/run/netns/test-" + id.substring(0, 12)), config);
    assertTrue(config.contains("\"hostname\":\"web1\""), config);
    List<Object> events = journaled();
    assertInstanceOf(ContainerActor.NetworkAttached.class, events.get(1), "journaled together with Created");
    assertInstanceOf(ContainerActor.Created.class, events.get(2));

    ask(ContainerActor.Start::new);
    exitWith(0);
    awaitCondition(() -> ask(ContainerActor.GetStatus::new).getValue().network() == null);
    assertEquals(List.of(id), networks.detached);
    ContainerActor.NetworkDetached detached = (ContainerActor.NetworkDetached) journaled().get(journaled().size() - 1);
    assertEquals("10.0.0.2", detached.ip());
    assertTrue(detached.reason().contains("EXITED"), detached.reason());
  }

  @Test
  void aRestartingContainerKeepsItsAddressAndADeleteReleasesIt() throws Exception {
    createOnBridge("always");
    ask(ContainerActor.Start::new);
    exitWith(1);
    awaitCondition(() -> kit.getState().facts().restartCount() == 1
        && ask(ContainerActor.GetStatus::new).getValue().phase() == Phase.RUNNING);
    assertEquals("10.0.0.2", ask(ContainerActor.GetStatus::new).getValue().network().ip());
    assertTrue(networks.detached.isEmpty());

    TestProbe<StatusReply<String>> client = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Delete(true, client.ref()));
    supervisor.expectMessageClass(ContainerActor.ContainerGone.class).afterForgotten().run();
    assertTrue(client.receiveMessage().isSuccess());
    assertEquals(List.of(id), networks.detached);
    List<Object> events = journaled();
    assertInstanceOf(ContainerActor.NetworkDetached.class, events.get(events.size() - 2));
    assertInstanceOf(ContainerActor.Deleted.class, events.get(events.size() - 1));
  }

  @Test
  void aNetworkFailureFailsTheCreateAndLeavesNothingBehind() throws Exception {
    runtime.failCreate = "runc: boom";
    TestProbe<StatusReply<ContainerView>> client = KIT.createTestProbe();
    ContainerSpec base = spec();
    ContainerSpec spec = new ContainerSpec(base.name(), base.image(), base.command(), base.env(), base.workdir(), false,
        base.labels(), null, null, null, null, new NetworkSpec("test", List.of(), null), null, null, null);
    kit.runCommand(new ContainerActor.Create(spec, client.ref()));
    supervisor.expectMessageClass(ContainerActor.ContainerGone.class).afterForgotten().run();
    assertTrue(client.receiveMessage().isError());
    assertEquals(List.of(id), networks.detached, "attached, then detached when runc create failed");
    assertTrue(journaled().stream().noneMatch(e -> e instanceof ContainerActor.NetworkAttached));
  }

  @Test
  void startRunsTheContainerAndASecondStartIsRefused() throws IOException {
    create();
    ContainerView running = ask(ContainerActor.Start::new).getValue();
    assertEquals(Phase.RUNNING, running.phase());
    assertTrue(running.startedAt() != null);
    ContainerException e = error(ask(ContainerActor.Start::new));
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, e.code());
    assertTrue(e.getMessage().contains("already running"), e.getMessage());
  }

  @Test
  void aStartOfAnExitedContainerRunsItAgainWithANewPidAndJournalsIntentAndOutcome() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    exitWith(3);
    int before = journaled().size();
    ContainerView again = ask(ContainerActor.Start::new).getValue();
    assertEquals(Phase.RUNNING, again.phase());
    assertEquals(101, again.pid(), "a new init process, runc created anew");
    assertNull(again.exitCode(), "the last run's exit is cleared");
    assertEquals(List.of(ContainerActor.StartRequested.class, ContainerActor.Started.class),
        journaled().subList(before, journaled().size()).stream().map(Object::getClass).toList());
    assertEquals(0, kit.getState().facts().restartCount(), "a user's start is not a restart of the policy");
    exitWith(4);
    assertEquals(4, awaitPhase(Phase.EXITED).exitCode());
  }

  @Test
  void anExitReportOfAnEarlierRunThatComesLateLeavesTheNewRunRunning() throws Exception {
    create();
    ask(ContainerActor.Start::new);
    exitWith(3);
    dev.conman.runc.ExitRecord earlier = runtime.exitRecord(id).orElseThrow();
    Thread.sleep(5);
    assertEquals(Phase.RUNNING, ask(ContainerActor.Start::new).getValue().phase());
    kit.runCommand(new ContainerActor.ExitObserved(earlier));
    assertEquals(Phase.RUNNING, ask(ContainerActor.GetStatus::new).getValue().phase(), "read before the start again");
    Thread.sleep(5);
    exitWith(4);
    assertEquals(4, awaitPhase(Phase.EXITED).exitCode(), "the new run's own exit counts");
  }

  @Test
  void aStartOfAContainerWhoseStartFailedTriesAgain() throws IOException {
    create();
    runtime.failStart = "runc start: permission denied";
    error(ask(ContainerActor.Start::new));
    runtime.failStart = null;
    assertEquals(Phase.RUNNING, ask(ContainerActor.Start::new).getValue().phase());
  }

  @Test
  void aBridgeContainerStartedAgainGetsAnAddressAgainJournaledWithItsStart() throws Exception {
    createOnBridge("no");
    ask(ContainerActor.Start::new);
    exitWith(0);
    awaitCondition(() -> ask(ContainerActor.GetStatus::new).getValue().network() == null);
    ContainerView again = ask(ContainerActor.Start::new).getValue();
    assertEquals(Phase.RUNNING, again.phase());
    assertTrue(again.network() != null, "attached anew");
    List<Object> events = journaled();
    assertInstanceOf(ContainerActor.NetworkAttached.class, events.get(events.size() - 2));
    assertInstanceOf(ContainerActor.Started.class, events.get(events.size() - 1));
    assertTrue(Files.readString(bundle().resolve("config.json")).contains("/run/netns/test-" + id.substring(0, 12)));
  }

  @Test
  void aStartOfAnExitedContainerWithAPendingRestartRunsItOnceNotTwice() throws IOException {
    createAndStartWithRestartPolicy("always");
    exitWith(1);
    awaitCondition(() -> kit.getState().facts().restartPending() != null);
    assertEquals(Phase.RUNNING, ask(ContainerActor.Start::new).getValue().phase());
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertEquals(0, kit.getState().facts().restartCount(), "the policy's pending restart was superseded");
    assertEquals(Phase.RUNNING, ask(ContainerActor.GetStatus::new).getValue().phase());
  }

  @Test
  void restartStopsAndRunsAgainWithNoCommandInBetween() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    int firstPid = kit.getState().facts().pid();
    TestProbe<StatusReply<ContainerView>> restart = KIT.createTestProbe();
    TestProbe<StatusReply<ContainerView>> kill = KIT.createTestProbe();
    runtime.blockCreate = new java.util.concurrent.CountDownLatch(1);
    kit.runCommand(new ContainerActor.Restart(10, restart.ref()));
    awaitCondition(() -> {
      synchronized (runtime.calls) { // a synchronized list is iterated under its lock
        return runtime.calls.stream().filter(c -> c.startsWith("create")).count() == 2;
      }
    });
    // sent while the restart's runc create is at work: it waits for the restart to finish
    kit.runCommand(new ContainerActor.Kill(15, kill.ref()));
    runtime.blockCreate.countDown();
    ContainerView restarted = restart.receiveMessage().getValue();
    assertEquals(Phase.RUNNING, restarted.phase());
    assertTrue(restarted.pid() != firstPid, "a new process");
    assertTrue(kill.receiveMessage().isSuccess(), "the kill reached the new run, not an exited container");
    List<String> events = journaled().stream().map(e -> e.getClass().getSimpleName()).toList();
    assertEquals(List.of("StopRequested", "Exited", "StartRequested", "Started", "KillRequested"),
        events.subList(events.indexOf("StopRequested"), events.size()));
  }

  @Test
  void restartOfACreatedContainerStartsIt() throws IOException {
    create();
    assertEquals(Phase.RUNNING, ask(r -> new ContainerActor.Restart(10, r)).getValue().phase());
    assertEquals(List.of("StartRequested", "Started"), journaled().stream().skip(2)
        .map(e -> e.getClass().getSimpleName()).toList(), "nothing to stop");
  }

  @Test
  void restartOfARunningContainerCreatedWithAutoRemoveIsRefused() throws IOException {
    ContainerSpec base = spec();
    ContainerSpec spec = new ContainerSpec(base.name(), base.image(), base.command(), base.env(), base.workdir(), false,
        base.labels(), null, null, null, null, null, null, true, null);
    kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, r));
    ask(ContainerActor.Start::new);
    ContainerException e = error(ask(r -> new ContainerActor.Restart(10, r)));
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, e.code());
    assertTrue(e.getMessage().contains("auto_remove"), e.getMessage());
    assertEquals(Phase.RUNNING, ask(ContainerActor.GetStatus::new).getValue().phase());
  }

  @Test
  void failedStartIsRecordedWithRuncsMessage() throws IOException {
    create();
    runtime.failStart = "runc start: permission denied";
    ContainerException e = error(ask(ContainerActor.Start::new));
    assertEquals(ContainerException.Code.RUNTIME_FAILED, e.code());
    ContainerView v = ask(ContainerActor.GetStatus::new).getValue();
    assertEquals(Phase.FAILED, v.phase());
    assertTrue(v.message().contains("permission denied"));
  }

  @Test
  void stopOrKillOfACreatedContainerIsAFailedPrecondition() throws IOException {
    create();
    assertEquals(ContainerException.Code.FAILED_PRECONDITION,
        error(ask(r -> new ContainerActor.Stop(10, r))).code());
    assertEquals(ContainerException.Code.FAILED_PRECONDITION,
        error(ask(r -> new ContainerActor.Kill(15, r))).code());
  }

  @Test
  void attachIsJournaledForCreatedAndRunningContainersAndStdinNeedsAContainerWithStdin() throws IOException {
    Path rootfs = Files.createDirectories(root.resolve("rootfs"));
    ContainerSpec withStdin = new ContainerSpec("sh", rootfs.toString(), List.of("/bin/sh"), List.of(), "/", false,
        Map.of(), null, null, null, null, null, new dev.conman.runc.StdioMode(true, true, false), null, null);
    kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(withStdin, r));
    assertTrue(ask(r -> new ContainerActor.StartAttach("a1", true, r)).isSuccess(), "CREATED: attach before start");
    ask(ContainerActor.Start::new);
    var attached = kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.StartAttach("a2", false, r));
    assertEquals(new ContainerActor.Attached(id, "a2", false, ((ContainerActor.Attached) attached.event()).at()),
        attached.event());
    var detached = kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.EndAttach("a2", "detach keys", r));
    assertTrue(detached.reply().isSuccess(), "answered once Detached is journaled");
    ContainerActor.Detached d = (ContainerActor.Detached) detached.event();
    assertEquals("detach keys", d.reason());
    assertEquals(Phase.RUNNING, kit.getState().phase(), "attach and detach change no phase");

    exitWith(0);
    ContainerException e = error(ask(r -> new ContainerActor.StartAttach("a3", false, r)));
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, e.code());
    assertTrue(e.getMessage().contains("attach"), e.getMessage());
  }

  @Test
  void attachSessionsOpenInTheJournalAtTheDaemonsStartAreJournaledAsEnded() throws IOException {
    create();
    ask(r -> new ContainerActor.StartAttach("a1", false, r));
    ask(r -> new ContainerActor.StartAttach("a2", false, r));
    ask(r -> new ContainerActor.EndAttach("a2", "detach keys", r));
    assertEquals(java.util.Set.of("a1"), kit.getState().facts().attachments());

    kit.restart();
    assertEquals(java.util.Set.of("a1"), kit.getState().facts().attachments(), "the journal keeps which are open");
    var ended = kit.runCommand(ContainerActor.EndLostAttaches.INSTANCE);
    assertEquals(1, ended.events().size(), ended.events()::toString);
    ContainerActor.Detached d = (ContainerActor.Detached) ended.events().get(0);
    assertEquals("a1", d.attachId());
    assertEquals(ContainerActor.LOST_ATTACH, d.reason());
    assertEquals(java.util.Set.of(), kit.getState().facts().attachments());
    assertTrue(kit.runCommand(ContainerActor.EndLostAttaches.INSTANCE).events().isEmpty(), "none open: nothing journaled");
  }

  @Test
  void stdinToAContainerCreatedWithoutItIsAFailedPrecondition() throws IOException {
    create();
    ContainerException e = error(ask(r -> new ContainerActor.StartAttach("a1", true, r)));
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, e.code());
    assertTrue(e.getMessage().contains("--stdin"), e.getMessage());
    assertTrue(ask(r -> new ContainerActor.StartAttach("a2", false, r)).isSuccess(), "output only is fine");
  }

  @Test
  void exitFileMakesTheContainerExitedAndAnswersWaiters() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    TestProbe<StatusReply<ContainerView>> waiter = KIT.createTestProbe();
    kit.runCommand(ContainerActor.Wait.untilFinished(waiter.ref()));
    waiter.expectNoMessage(Duration.ofMillis(50));
    exitWith(7);
    ContainerView v = waiter.receiveMessage().getValue();
    assertEquals(Phase.EXITED, v.phase());
    assertEquals(7, v.exitCode());
    assertEquals(0, v.pid());
  }

  private ContainerSpec autoRemovedSpec() throws IOException {
    ContainerSpec base = spec();
    return new ContainerSpec(base.name(), base.image(), base.command(), base.env(), base.workdir(), false,
        base.labels(), null, null, null, null, null, null, true, null);
  }

  private StatusReply<ContainerView> createAutoRemoved() throws IOException {
    ContainerSpec spec = autoRemovedSpec();
    return kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, r)).reply();
  }

  /** The container's process ends with {@code code}, and conmon's exit file reaches the actor. */
  private void exitWith(int code) {
    runtime.exit(id, code);
    kit.runCommand(new ContainerActor.ExitObserved(runtime.exitRecord(id).orElseThrow()));
  }

  private TestProbe<StatusReply<ContainerView>> waitUntilRemoved() {
    TestProbe<StatusReply<ContainerView>> probe = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Wait(true, probe.ref()));
    return probe;
  }

  /** The daemon's delete, journaled with its reason, after the exit waiters heard of the exit. */
  private void assertRemovedByTheDaemon(TestProbe<StatusReply<ContainerView>> removal, Phase finished) {
    ContainerView last = removal.receiveMessage(Duration.ofSeconds(5)).getValue();
    assertEquals(Phase.DELETED, last.phase());
    supervisor.expectMessageClass(ContainerActor.ContainerGone.class);
    assertFalse(Files.exists(bundle()), "bundle removed");
    List<Object> events = PersistenceTestKit.create(KIT.system()).persistedInStorage(ContainerActor.persistenceId(id).id());
    ContainerActor.DeleteRequested intent = events.stream().filter(ContainerActor.DeleteRequested.class::isInstance)
        .map(ContainerActor.DeleteRequested.class::cast).findFirst().orElseThrow();
    assertTrue(intent.reason().startsWith("auto_remove: the container " + finished), intent.reason());
    assertInstanceOf(ContainerActor.Deleted.class, events.get(events.size() - 1));
  }

  @Test
  void autoRemoveDeletesTheContainerOnceItHasExitedAfterTellingItsExit() throws IOException {
    createAutoRemoved();
    TestProbe<StatusReply<ContainerView>> removal = waitUntilRemoved();
    ask(ContainerActor.Start::new);
    TestProbe<StatusReply<ContainerView>> exit = KIT.createTestProbe();
    kit.runCommand(ContainerActor.Wait.untilFinished(exit.ref()));
    removal.expectNoMessage(Duration.ofMillis(50));
    exitWith(3);
    assertEquals(3, exit.receiveMessage().getValue().exitCode());
    assertRemovedByTheDaemon(removal, Phase.EXITED);
    assertTrue(runtime.calls.contains("delete " + id), runtime.calls.toString());
  }

  @Test
  void autoRemoveDeletesAContainerWhoseStartFailed() throws IOException {
    createAutoRemoved();
    TestProbe<StatusReply<ContainerView>> removal = waitUntilRemoved();
    runtime.failStart = "exec: \"/bin/nope\": no such file or directory";
    assertTrue(ask(ContainerActor.Start::new).isError());
    assertRemovedByTheDaemon(removal, Phase.FAILED);
  }

  @Test
  void aRestartBetweenTheExitAndTheDaemonsDeleteDeletesAtReconciliation() throws IOException {
    ContainerSpec spec = autoRemovedSpec();
    Instant t = Instant.now();
    PersistenceTestKit.create(KIT.system()).persistForRecovery(ContainerActor.persistenceId(id).id(), List.of(
        new ContainerActor.CreateRequested(id, spec, t), new ContainerActor.Created(id, 42, t),
        new ContainerActor.StartRequested(id, t), new ContainerActor.Started(id, 42, t),
        new ContainerActor.Exited(id, 0, t)));
    kit.restart();
    assertEquals(Phase.EXITED, kit.getState().phase());
    TestProbe<StatusReply<ContainerView>> removal = waitUntilRemoved();
    kit.runCommand(ContainerActor.Reconcile.INSTANCE);
    assertRemovedByTheDaemon(removal, Phase.EXITED);
  }

  @Test
  void aWaitUntilRemovedIsAnsweredByAClientsDeleteToo() throws IOException {
    create();
    TestProbe<StatusReply<ContainerView>> removal = waitUntilRemoved();
    kit.runCommand(new ContainerActor.Delete(false, KIT.<StatusReply<String>>createTestProbe().ref()));
    assertEquals(Phase.DELETED, removal.receiveMessage(Duration.ofSeconds(5)).getValue().phase());
    assertTrue(ask(ContainerActor.GetStatus::new).isError(), "the deleted container is no longer found");
  }

  @Test
  void runcCreateAndStartRunOnTheLaunchExecutorAndTheRestOnTheBlockingOne() throws IOException {
    create();
    assertEquals(1, launches.runs.get(), "the create");
    ask(ContainerActor.Start::new);
    assertEquals(2, launches.runs.get(), "the first start");
    assertEquals(0, blocking.runs.get());
    ask(r -> new ContainerActor.Stop(1, r));
    assertEquals(1, blocking.runs.get(), "the stop");
    ask(ContainerActor.Start::new);
    assertEquals(3, launches.runs.get(), "the start of an exited container, anew");
    assertEquals(1, blocking.runs.get());
  }

  @Test
  void stopEscalatesToSigkillWhenTermIsIgnored() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    runtime.ignoreTerm = true;
    ContainerView v = ask(r -> new ContainerActor.Stop(1, r)).getValue();
    assertEquals(Phase.EXITED, v.phase());
    assertEquals(137, v.exitCode());
    assertTrue(runtime.calls.contains("kill " + id + " 15"));
    assertTrue(runtime.calls.contains("kill " + id + " 9"));
  }

  private List<Class<?>> journaledTypes() {
    return journaled().stream().<Class<?>>map(Object::getClass).toList();
  }

  private dev.conman.runc.RuntimeState.Status inRunc() {
    return runtime.containers.get(id).status();
  }

  @Test
  void pauseFreezesARunningContainerUntilResumedAndEachIsJournaled() throws IOException {
    create();
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, error(ask(ContainerActor.Pause::new)).code(),
        "a created container has nothing running to freeze");
    ask(ContainerActor.Start::new);
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, error(ask(ContainerActor.Resume::new)).code());

    assertEquals(Phase.PAUSED, ask(ContainerActor.Pause::new).getValue().phase());
    assertEquals(dev.conman.runc.RuntimeState.Status.PAUSED, inRunc());
    ContainerException again = error(ask(ContainerActor.Pause::new));
    assertTrue(again.getMessage().contains("it is PAUSED; it is paused already"), again.getMessage());
    ContainerException exec = error(ask(r -> new ContainerActor.StartExec("e1", List.of("/bin/true"), r)));
    assertTrue(exec.getMessage().contains("resume it first"), exec.getMessage());
    assertTrue(ask(r -> new ContainerActor.StartAttach("a1", false, r)).isSuccess(), "its stdio is there");
    kit.restart();
    assertEquals(Phase.PAUSED, kit.getState().phase(), "replayed");

    assertEquals(Phase.RUNNING, ask(ContainerActor.Resume::new).getValue().phase());
    assertEquals(dev.conman.runc.RuntimeState.Status.RUNNING, inRunc());
    assertNull(lastEvent(ContainerActor.Resumed.class).reason(), "a client asked");
    List<Class<?>> types = journaledTypes();
    assertEquals(List.of(ContainerActor.Paused.class, ContainerActor.Attached.class, ContainerActor.Resumed.class),
        types.subList(types.size() - 3, types.size()));
  }

  @Test
  void aPausedContainerIsResumedToBeStoppedAsItCouldNotActOnTheSignal() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    ask(ContainerActor.Pause::new);
    ContainerView v = ask(r -> new ContainerActor.Stop(5, r)).getValue();
    assertEquals(Phase.EXITED, v.phase());
    assertEquals(143, v.exitCode(), "SIGTERM, taken once resumed: no SIGKILL needed");
    assertFalse(runtime.calls.contains("kill " + id + " 9"));
    List<Class<?>> types = journaledTypes();
    assertEquals(List.of(ContainerActor.StopRequested.class, ContainerActor.Resumed.class, ContainerActor.Exited.class),
        types.subList(types.size() - 3, types.size()));
    assertEquals(ContainerActor.RESUMED_TO_END, ((ContainerActor.Resumed) journaled().get(types.size() - 2)).reason());
  }

  @Test
  void aSignalToAPausedContainerResumesItAsDockerDoes() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    ask(ContainerActor.Pause::new);
    assertTrue(ask(r -> new ContainerActor.Kill(10, r)).isSuccess());
    assertEquals(List.of("kill " + id + " 10", "resume " + id),
        runtime.calls.subList(runtime.calls.size() - 2, runtime.calls.size()), "the signal first, then the thaw");
    kit.runCommand(new ContainerActor.ExitObserved(runtime.exitRecord(id).orElseThrow())); // the exit watcher's report
    assertEquals(138, awaitPhase(Phase.EXITED).exitCode());
    assertTrue(journaledTypes().contains(ContainerActor.Resumed.class));
  }

  @Test
  void aForcedDeleteOfAPausedContainerKillsItAndJournalsHowItEnded() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    ask(ContainerActor.Pause::new);
    assertEquals(ContainerException.Code.FAILED_PRECONDITION,
        error(kit.<StatusReply<String>>runCommand(r -> new ContainerActor.Delete(false, r)).reply()).code());
    TestProbe<StatusReply<String>> client = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Delete(true, client.ref()));
    supervisor.expectMessageClass(ContainerActor.ContainerGone.class, Duration.ofSeconds(5)).afterForgotten().run();
    assertEquals(id, client.receiveMessage().getValue());
    assertEquals(137, kit.getState().facts().exitCode());
    assertTrue(runtime.calls.contains("resume " + id));
  }

  @Test
  void aPauseThatRuncRefusesAsksRuncWhatIsTrue() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    runtime.exit(id, 3); // ended; the exit watcher has not told the actor yet
    ContainerException refused = error(ask(ContainerActor.Pause::new));
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, refused.code());
    assertTrue(refused.getMessage().contains("container not running"), refused.getMessage());
    assertEquals(3, awaitPhase(Phase.EXITED).exitCode());
  }

  @Test
  void deletingARunningContainerNeedsForce() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    StatusReply<String> refused = kit.<StatusReply<String>>runCommand(r -> new ContainerActor.Delete(false, r)).reply();
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, error(refused).code());

    TestProbe<StatusReply<String>> client = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Delete(true, client.ref()));
    ContainerActor.ContainerGone gone = supervisor.expectMessageClass(ContainerActor.ContainerGone.class,
        Duration.ofSeconds(5));
    gone.afterForgotten().run();
    assertEquals(id, client.receiveMessage().getValue());
    assertEquals(Phase.DELETED, kit.getState().phase());
    assertEquals(137, kit.getState().facts().exitCode(), "the forced kill's exit is journaled before Deleted");
    assertFalse(Files.exists(root.resolve("containers").resolve(id)));
    assertEquals(ContainerException.Code.NOT_FOUND, error(ask(ContainerActor.GetStatus::new)).code());
  }

  @Test
  void commandsWhileRuncWorksAreStashedAndAppliedInOrder() throws IOException {
    create();
    TestProbe<StatusReply<ContainerView>> first = KIT.createTestProbe();
    TestProbe<StatusReply<ContainerView>> second = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Start(first.ref()));
    kit.runCommand(new ContainerActor.Start(second.ref()));
    assertEquals(Phase.RUNNING, first.receiveMessage().getValue().phase());
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, error(second.receiveMessage()).code());
  }

  /** A runc call that does not return before the test lets it. */
  private static Runnable waitingFor(java.util.concurrent.CountDownLatch release) {
    return () -> {
      try {
        release.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    };
  }

  @Test
  void theStatusIsAnsweredWhileRuncWorksAndTheStashedCommandsStillFollow() throws Exception {
    create();
    java.util.concurrent.CountDownLatch runcStart = new java.util.concurrent.CountDownLatch(1);
    runtime.beforeStart = waitingFor(runcStart);
    TestProbe<StatusReply<ContainerView>> start = KIT.createTestProbe();
    TestProbe<StatusReply<ContainerView>> stop = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Start(start.ref()));
    kit.runCommand(new ContainerActor.Stop(10, stop.ref()));
    // runc start is blocked: the status read does not wait for it, the stop does
    assertEquals(Phase.STARTING, ask(ContainerActor.GetStatus::new).getValue().phase());
    stop.expectNoMessage(java.time.Duration.ofMillis(100));
    runcStart.countDown();
    assertEquals(Phase.RUNNING, start.receiveMessage().getValue().phase());
    assertEquals(Phase.EXITED, stop.receiveMessage().getValue().phase());
  }

  @Test
  void aProcessThatEndedBeforeRuncStartReturnedIsJournaledExitedWithItsStart() throws IOException {
    create();
    runtime.beforeStart = () -> runtime.exits.put(id, new dev.conman.runc.ExitRecord(0, Instant.now()));
    List<Object> events = startExitsWithTheStart(0);
    // the exit watcher's report of the same exit, later, changes nothing
    kit.runCommand(new ContainerActor.ExitObserved(runtime.exitRecord(id).orElseThrow()));
    assertEquals(events.size(), journaled().size());
  }

  @Test
  void aProcessThatEndedBeforeItsExitFileWasWrittenIsJournaledExitedWithItsStart() throws IOException {
    create();
    runtime.beforeStart = () -> {
      runtime.ended.add(id);
      // conmon reaps the process and writes the exit file a moment after runc start returned
      java.util.concurrent.CompletableFuture.delayedExecutor(5, java.util.concurrent.TimeUnit.MILLISECONDS)
          .execute(() -> runtime.exits.put(id, new dev.conman.runc.ExitRecord(7, Instant.now())));
    };
    startExitsWithTheStart(7);
  }

  /** Starts the container, which answers EXITED with {@code code}: Started and Exited in one write. */
  private List<Object> startExitsWithTheStart(int code) {
    ContainerView v = ask(ContainerActor.Start::new).getValue();
    assertEquals(Phase.EXITED, v.phase());
    assertEquals(code, v.exitCode());
    List<Object> events = journaled();
    assertInstanceOf(ContainerActor.Started.class, events.get(events.size() - 2));
    assertInstanceOf(ContainerActor.Exited.class, events.get(events.size() - 1));
    return events;
  }

  @Test
  void afterARestartTheStatusWaitsForTheReconciliation() throws Exception {
    create();
    ask(ContainerActor.Start::new);
    // while the daemon was down, the container exited with 3
    runtime.exit(id, 3);
    java.util.concurrent.CountDownLatch runcList = new java.util.concurrent.CountDownLatch(1);
    runtime.beforeList = waitingFor(runcList);
    kit.restart();
    kit.runCommand(ContainerActor.Reconcile.INSTANCE);
    TestProbe<StatusReply<ContainerView>> status = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.GetStatus(status.ref()));
    status.expectNoMessage(java.time.Duration.ofMillis(100));
    runcList.countDown();
    ContainerView v = status.receiveMessage().getValue();
    assertEquals(Phase.EXITED, v.phase(), "not the RUNNING the journal said before runc was asked");
    assertEquals(3, v.exitCode());
  }

  @Test
  void aStartTheJournalRefusesIsAnsweredAtOnceAndRuncNeverRuns() throws IOException {
    create();
    kit.persistenceTestKit().failNextPersisted(new java.io.IOException("database or disk is full"));
    ContainerException e = error(ask(ContainerActor.Start::new));
    assertEquals(ContainerException.Code.JOURNAL_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("is unchanged") && e.getMessage().contains("disk is full"), e.getMessage());
    assertFalse(runtime.calls.contains("start " + id), "runc start ran without its intent journaled");

    assertEquals(Phase.CREATED, ask(ContainerActor.GetStatus::new).getValue().phase());
    assertEquals(Phase.RUNNING, ask(ContainerActor.Start::new).getValue().phase(),
        "once the journal takes writes, the same start succeeds");
  }

  @Test
  void anOutcomeTheJournalRefusesIsAnsweredAtOnceThenFoundOutFromRunc() throws IOException {
    create();
    // the intent is journaled once runc start runs: the next write, the outcome Started, is refused
    runtime.beforeStart = () -> kit.persistenceTestKit().failNextPersisted();
    ContainerException e = error(ask(ContainerActor.Start::new));
    assertEquals(ContainerException.Code.JOURNAL_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("not recorded"), e.getMessage());

    // restarted from the journal (STARTING), the actor asks runc, which runs the container
    awaitPhase(Phase.RUNNING);
    List<Object> events = journaled();
    assertInstanceOf(ContainerActor.StartRequested.class, events.get(events.size() - 2));
    ContainerActor.Reconciled found = assertInstanceOf(ContainerActor.Reconciled.class, events.get(events.size() - 1));
    assertEquals(Phase.STARTING, found.from());
  }

  @Test
  void recoveryReplaysToTheSameState() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    ContainerActor.State before = kit.getState();
    kit.restart();
    assertEquals(before, kit.getState());
  }

  @Test
  void theActorOfANewIdStillReplaysWhatTheJournalHasForIt() throws IOException {
    kit = EventSourcedBehaviorTestKit.create(KIT.system(), ContainerActor.createNew(id, deps()));
    create();
    ask(ContainerActor.Start::new);
    ContainerActor.State before = kit.getState();
    kit.restart();
    assertEquals(before, kit.getState());
  }

  @Test
  void everyPrefixOfAHistoryFolds() throws IOException {
    ContainerSpec spec = spec();
    Instant t = Instant.parse("2026-01-01T00:00:00Z");
    List<ContainerActor.Event> history = List.of(
        new ContainerActor.CreateRequested(id, spec, t),
        new ContainerActor.Created(id, 42, t),
        new ContainerActor.StartRequested(id, t),
        new ContainerActor.Started(id, 42, t),
        new ContainerActor.KillRequested(id, 15, t),
        new ContainerActor.StopRequested(id, 15, 10, t),
        new ContainerActor.Exited(id, 143, t),
        new ContainerActor.DeleteRequested(id, false, t, null),
        new ContainerActor.Deleted(id, t));
    List<Phase> expected = List.of(Phase.CREATING, Phase.CREATED, Phase.STARTING, Phase.RUNNING, Phase.RUNNING,
        Phase.STOPPING, Phase.EXITED, Phase.DELETING, Phase.DELETED);
    ContainerActor.State state = new ContainerActor.State.Empty();
    for (int i = 0; i < history.size(); i++) {
      state = state.apply(history.get(i));
      assertEquals(expected.get(i), state.phase(), "after " + history.get(i));
    }
    assertEquals(143, state.facts().exitCode());
  }

  @Test
  void restartAfterAStartWithoutOutcomeAsksRuncAndJournalsWhatIsTrue() throws Exception {
    create();
    // the daemon "dies" while runc start is in flight: StartRequested is journaled, no outcome
    runtime.blockStart = new java.util.concurrent.CountDownLatch(1);
    kit.runCommand(new ContainerActor.Start(KIT.<StatusReply<ContainerView>>createTestProbe().ref()));
    kit.restart();
    assertEquals(Phase.STARTING, kit.getState().phase());
    // meanwhile the container started and exited with 7
    runtime.containers.put(id, new dev.conman.runc.RuntimeState(id, dev.conman.runc.RuntimeState.Status.STOPPED, 0,
        Instant.now()));
    runtime.exits.put(id, new dev.conman.runc.ExitRecord(7, Instant.parse("2026-01-01T00:00:00Z")));
    kit.runCommand(ContainerActor.Reconcile.INSTANCE);
    ContainerView v = awaitPhase(Phase.EXITED);
    assertEquals(7, v.exitCode());
    assertEquals(Instant.parse("2026-01-01T00:00:00Z"), v.finishedAt());
    ContainerActor.Reconciled event = lastEvent(ContainerActor.Reconciled.class);
    assertEquals(Phase.STARTING, event.from());
    assertEquals(Phase.EXITED, event.to());
  }

  @Test
  void aCreateWithStartCutShortInTheStartIsFoundRunningFromCreateRequestedAlone() throws Exception {
    ContainerSpec spec = spec();
    // the daemon "dies" in the start of a create with start: only CreateRequested is journaled
    runtime.blockStart = new java.util.concurrent.CountDownLatch(1);
    kit.runCommand(new ContainerActor.Create(spec, true, KIT.<StatusReply<ContainerView>>createTestProbe().ref(), null));
    awaitCondition(() -> runtime.containers.containsKey(id));
    kit.restart();
    java.util.concurrent.CountDownLatch held = runtime.blockStart;
    runtime.blockStart = null;
    assertEquals(Phase.CREATING, kit.getState().phase());
    assertEquals(List.of(ContainerActor.CreateRequested.class), journaledTypes());
    runtime.containers.put(id, new dev.conman.runc.RuntimeState(id, dev.conman.runc.RuntimeState.Status.RUNNING, 100,
        Instant.now()));
    kit.runCommand(ContainerActor.Reconcile.INSTANCE);
    ContainerView v = awaitPhase(Phase.RUNNING);
    assertEquals(100, v.pid());
    ContainerActor.Reconciled event = lastEvent(ContainerActor.Reconciled.class);
    assertEquals(Phase.CREATING, event.from());
    assertEquals(Phase.RUNNING, event.to());
    held.countDown();
  }

  /**
   * A bridge container exits, gives its address back, and is started again; the daemon "dies" in
   * runc start. The latch holds the dead daemon's start, which must not go on: count it down last.
   */
  private java.util.concurrent.CountDownLatch startAgainCutShortInRuncStart() throws Exception {
    createOnBridge("no");
    ask(ContainerActor.Start::new);
    exitWith(0);
    awaitCondition(() -> ask(ContainerActor.GetStatus::new).getValue().network() == null);
    runtime.blockStart = new java.util.concurrent.CountDownLatch(1);
    kit.runCommand(new ContainerActor.Start(KIT.<StatusReply<ContainerView>>createTestProbe().ref()));
    awaitCondition(() -> networks.attachment(id).isPresent() && runtime.containers.containsKey(id));
    kit.restart();
    java.util.concurrent.CountDownLatch held = runtime.blockStart;
    runtime.blockStart = null;
    assertEquals(Phase.STARTING, kit.getState().phase());
    return held;
  }

  @Test
  void aStartAgainCutShortAfterRuncCreateIsFoundCreatedWithTheAddressItGot() throws Exception {
    java.util.concurrent.CountDownLatch held = startAgainCutShortInRuncStart();
    kit.runCommand(ContainerActor.Reconcile.INSTANCE);
    ContainerView v = awaitPhase(Phase.CREATED);
    assertEquals(networks.attachment(id).orElseThrow().ip(), v.network().ip(), "the address journaled");
    List<Object> events = journaled();
    assertInstanceOf(ContainerActor.NetworkAttached.class, events.get(events.size() - 2));
    assertEquals(Phase.RUNNING, ask(ContainerActor.Start::new).getValue().phase(), "and it can be started");
    held.countDown();
  }

  @Test
  void aStartAgainCutShortBeforeRuncCreateGivesTheAddressItGotBack() throws Exception {
    java.util.concurrent.CountDownLatch held = startAgainCutShortInRuncStart();
    runtime.containers.remove(id);
    kit.runCommand(ContainerActor.Reconcile.INSTANCE);
    ContainerView v = awaitPhase(Phase.EXITED);
    assertNull(v.exitCode());
    assertNull(v.network());
    assertTrue(networks.attachment(id).isEmpty(), "released before the reconciliation was journaled");
    assertEquals(1, journaled().stream().filter(e -> e instanceof ContainerActor.NetworkAttached).count(),
        "only the create's address was ever journaled");
    held.countDown();
  }

  private <E> E lastEvent(Class<E> type) {
    List<Object> events = PersistenceTestKit.create(KIT.system())
        .persistedInStorage(ContainerActor.persistenceId(id).id());
    Object last = events.get(events.size() - 1);
    return type.cast(last);
  }

  @Test
  void onFailureRestartsWithBackoffUpToItsLimitThenStaysExited() throws IOException {
    createAndStartWithRestartPolicy("on-failure:2");
    for (int restart = 1; restart <= 2; restart++) {
      exitWith(1);
      int expected = restart;
      awaitCondition(() -> ask(ContainerActor.GetStatus::new).getValue().phase() == Phase.RUNNING
          && kit.getState().facts().restartCount() == expected);
    }
    exitWith(1);
    ContainerView last = awaitPhase(Phase.EXITED);
    assertEquals(2, kit.getState().facts().restartCount(), "no third restart");
    assertEquals(1, last.exitCode());
    List<Object> events = PersistenceTestKit.create(KIT.system()).persistedInStorage(ContainerActor.persistenceId(id).id());
    List<Long> delays = events.stream().filter(e -> e instanceof ContainerActor.RestartScheduled)
        .map(e -> ((ContainerActor.RestartScheduled) e).delayMillis()).toList();
    assertEquals(List.of(100L, 200L), delays, "the backoff doubles");
  }

  @Test
  void aRestartedProcessThatEndedByTheEndOfItsStartIsJournaledExitedWithTheRestart() throws IOException {
    createAndStartWithRestartPolicy("on-failure:2");
    runtime.beforeStart = () -> runtime.exit(id, 3);
    exitWith(1);
    // no exit watcher here: the restarts' exits are known only from their starts
    awaitCondition(() -> kit.getState().facts().restartCount() == 2 && kit.getState().facts().restartPending() == null
        && kit.getState().phase() == Phase.EXITED);
    assertEquals(3, ask(ContainerActor.GetStatus::new).getValue().exitCode(), "the last run's exit");
    List<String> runs = PersistenceTestKit.create(KIT.system()).persistedInStorage(ContainerActor.persistenceId(id).id())
        .stream().map(e -> e.getClass().getSimpleName()).filter(n -> n.equals("Restarted") || n.equals("Exited"))
        .toList();
    assertEquals(List.of("Exited", "Restarted", "Exited", "Restarted", "Exited"), runs);
  }

  @Test
  void anUpdatedRestartPolicyAppliesFromTheNextExitOn() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    ContainerView v = ask(r -> new ContainerActor.Update(null, RestartPolicy.parse("on-failure:1"), r)).getValue();
    assertEquals("on-failure:1", v.spec().restart().toString());
    exitWith(3);
    awaitCondition(() -> kit.getState().facts().restartCount() == 1 && kit.getState().phase() == Phase.RUNNING);
    exitWith(3);
    awaitPhase(Phase.EXITED);
    // an exited container takes a policy too, and stays exited
    assertEquals(Phase.EXITED, ask(r -> new ContainerActor.Update(null, RestartPolicy.parse("always"), r)).getValue()
        .phase());
    assertEquals("always", kit.getState().facts().spec().restart().toString());
    List<String> types = journaled().stream().map(e -> e.getClass().getSimpleName()).toList();
    assertEquals(2, types.stream().filter(t -> t.equals("RestartPolicyChanged")).count(), types.toString());
    assertEquals(ContainerException.Code.FAILED_PRECONDITION, error(ask(r -> new ContainerActor.Update(
        dev.conman.runc.Resources.NONE.withPidsLimit(5L), null, r))).code(), "limits only while it runs");
  }

  @Test
  void aContainerCreatedWithAutoRemoveTakesNoRestartPolicy() throws IOException {
    ContainerSpec base = spec();
    ContainerSpec spec = new ContainerSpec(base.name(), base.image(), base.command(), base.env(), base.workdir(), false,
        base.labels(), null, null, null, null, null, null, true, null);
    kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, r));
    ContainerException e = error(ask(r -> new ContainerActor.Update(null, RestartPolicy.parse("always"), r)));
    assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code());
    assertTrue(e.getMessage().contains("auto_remove"), e.getMessage());
  }

  @Test
  void aRestartWritesTheBundleAgainWhenAHostRebootEmptiedTheStateDirectory() throws IOException {
    createAndStartWithRestartPolicy("always");
    String before = Files.readString(bundle().resolve("config.json"));
    deleteTree(root.resolve("state"));
    exitWith(0);
    awaitCondition(() -> ask(ContainerActor.GetStatus::new).getValue().phase() == Phase.RUNNING
        && kit.getState().facts().restartCount() == 1);
    assertEquals(before, Files.readString(bundle().resolve("config.json")));
    TestProbe<StatusReply<String>> client = KIT.createTestProbe();
    kit.runCommand(new ContainerActor.Delete(true, client.ref()));
    supervisor.expectMessageClass(ContainerActor.ContainerGone.class, Duration.ofSeconds(5)).afterForgotten().run();
    assertEquals(id, client.receiveMessage().getValue());
    assertFalse(Files.exists(bundle()), "a delete removes the bundle");
    assertFalse(Files.exists(root.resolve("containers").resolve(id)));
  }

  private void createAndStartWithRestartPolicy(String policy) throws IOException {
    ContainerSpec base = spec();
    ContainerSpec spec = new ContainerSpec(base.name(), base.image(), base.command(), base.env(), base.workdir(), false,
        base.labels(), null, RestartPolicy.parse(policy), null, null);
    kit.<StatusReply<ContainerView>>runCommand(r -> new ContainerActor.Create(spec, r));
    ask(ContainerActor.Start::new);
  }

  private Path bundle() {
    return root.resolve("state/bundles").resolve(id);
  }

  private static void deleteTree(Path dir) throws IOException {
    try (var walk = Files.walk(dir)) {
      for (Path p : walk.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }

  @Test
  void aUserStopEndsTheRestartLoop() throws IOException {
    createAndStartWithRestartPolicy("always");
    ask(r -> new ContainerActor.Stop(1, r));
    assertEquals(Phase.EXITED, awaitPhase(Phase.EXITED).phase());
    try {
      Thread.sleep(300);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    assertEquals(Phase.EXITED, ask(ContainerActor.GetStatus::new).getValue().phase(), "not restarted");
    assertEquals(0, kit.getState().facts().restartCount());
  }

  private void awaitCondition(java.util.function.BooleanSupplier condition) {
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("condition not met in 5 s; state " + kit.getState());
      }
      Thread.onSpinWait();
    }
  }

  @Test
  void runningContainerWhoseShimDiedHasAnUnknownExitCode() throws IOException {
    create();
    ask(ContainerActor.Start::new);
    runtime.containers.remove(id);
    kit.restart();
    kit.runCommand(ContainerActor.Reconcile.INSTANCE);
    ContainerView v = awaitPhase(Phase.EXITED);
    assertNull(v.exitCode());
    assertTrue(v.message().contains("exit code unknown"), v.message());
  }
}
