package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.conman.api.v1.AttachSpec;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StatusAtRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.SubscribeRequest;
import dev.conman.api.v1.WaitCondition;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Deadline;
import io.grpc.Status;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.IOException;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZoneId;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * conmanctl against a fake RuntimeService and EventService on a real Unix socket: the requests it
 * sends, what it prints on stdout and stderr, and its exit status. Logs and exec: {@link
 * IoEndToEndTest}.
 */
class EndToEndTest {
  @TempDir Path tmp;
  private Path socket;
  private final FakeDaemon daemon = new FakeDaemon();
  private final FakeRuntime fake = daemon.runtime;
  private final FakeEvents events = daemon.events;
  private final EventFormat eventFormat = new EventFormat(ZoneId.systemDefault());


  @BeforeEach
  void startFakeDaemon() throws IOException {
    // a space in the path: the channel target must encode it
    socket = Files.createDirectory(tmp.resolve("run dir")).resolve("conman.sock");
    daemon.start(socket);
  }

  @AfterEach
  void stopFakeDaemon() throws InterruptedException {
    daemon.close();
  }

  private CliRun conmanctl(String... args) {
    return CliRun.on(socket, args);
  }

  /** The lines conmanctl prints for these events (table output). */
  private String lines(List<Event> list) {
    return list.stream().map(e -> eventFormat.line(e) + "\n").collect(Collectors.joining());
  }

  private <T extends Message> List<T> sent(Class<T> type) {
    return fake.requests.stream().filter(type::isInstance).map(type::cast)
        .collect(Collectors.toList());
  }

  private List<String> sentTypes() {
    return fake.requests.stream().map(r -> r.getClass().getSimpleName())
        .collect(Collectors.toList());
  }

  @Test
  void aRunThatTalkedToTheDaemonMarksItsClassDataArchiveWorthKeeping() {
    Path mark = tmp.resolve("archive.ok");
    System.setProperty(DaemonCommand.ARCHIVE_MARK, mark.toString());
    try {
      assertEquals(0, conmanctl("--version").status());
      assertFalse(Files.exists(mark), "--version talks to no daemon");
      assertEquals(0, conmanctl("container", "list").status());
      assertTrue(Files.exists(mark), "a list does");
    } finally {
      System.clearProperty(DaemonCommand.ARCHIVE_MARK);
    }
  }

  @Test
  void pruneDeletesWithoutForceWhatDoesNotRunAndNeedsForceWithoutATerminal() {
    CliRun r = conmanctl("container", "prune", "--force");
    assertEquals(0, r.status(), r.err());
    assertEquals(FakeRuntime.idFor("db") + "\n", r.out(), "db is EXITED, web RUNNING");
    List<DeleteContainerRequest> deletes = sent(DeleteContainerRequest.class);
    assertEquals(List.of(FakeRuntime.idFor("db")), deletes.stream().map(DeleteContainerRequest::getRef).toList());
    assertFalse(deletes.get(0).getForce());

    CliRun unconfirmed = conmanctl("container", "prune");
    assertEquals(2, unconfirmed.status());
    assertTrue(unconfirmed.err().contains("--force"), unconfirmed.err());
    assertEquals(1, sent(DeleteContainerRequest.class).size(), "nothing more removed");
  }

  @Test
  void createSendsTheRequestAndPrintsTheId() {
    CliRun r = conmanctl("container", "create", "--image", "./rootfs", "-e", "A=1", "--label",
        "app=web", "--workdir", "/w", "--read-only", "c1", "--", "sh", "-c", "exit 7");
    assertEquals(new CliRun(0, FakeRuntime.idFor("c1") + "\n", ""), r);
    CreateContainerRequest sent = sent(CreateContainerRequest.class).get(0);
    assertEquals(CreateContainerRequest.newBuilder()
        .setName("c1")
        .setImage(Path.of("rootfs").toAbsolutePath().toString())
        .addAllCommand(List.of("sh", "-c", "exit 7"))
        .addEnv("A=1")
        .setWorkdir("/w")
        .setReadOnly(true)
        .putLabels("app", "web")
        .build(), sent);
    assertTrue(fake.deadlines.get("create").isPresent(), "create has a deadline");
  }

  @Test
  void aCommandNotInTheContainerExits127AsInDockerRun() {
    CliRun run = conmanctl("run", "--rm", "--image", "/r", "nocmd1", "nope");
    assertEquals(ExitCodes.COMMAND_NOT_FOUND, run.status(), run.err());
    assertTrue(run.err().startsWith("conmanctl: INVALID_ARGUMENT: create of container nocmd1"), run.err());
    assertTrue(run.err().contains("exec: \"nope\": executable file not found in $PATH"), run.err());
    assertEquals(ExitCodes.COMMAND_NOT_FOUND,
        conmanctl("container", "create", "--image", "/r", "nocmd2", "nope").status());
  }

  @Test
  void pauseAndUnpauseActOnEachRefAndPrintTheIds() {
    CliRun paused = conmanctl("container", "pause", "web", "missing1", "db");
    assertEquals(ExitCodes.NOT_FOUND, paused.status());
    assertEquals(FakeRuntime.idFor("web") + "\n" + FakeRuntime.idFor("db") + "\n", paused.out());
    assertTrue(paused.err().contains("no container with id or name 'missing1'"), paused.err());
    CliRun json = conmanctl("-o", "json", "container", "resume", "web");
    assertEquals(0, json.status(), json.err());
    assertTrue(json.out().contains("\"state\":\"RUNNING\""), json.out());
    assertEquals(List.of("PauseContainerRequest", "PauseContainerRequest", "PauseContainerRequest",
        "ResumeContainerRequest"), sentTypes());
  }

  @Test
  void topPrintsEachContainersProcessesAndReportsAFailingRef() {
    CliRun r = conmanctl("-o", "json", "top", "web", "missing1", "db");
    assertEquals(ExitCodes.NOT_FOUND, r.status());
    List<String> lines = r.out().lines().toList();
    assertEquals(2, lines.size(), r.out());
    assertTrue(lines.get(0).startsWith("{\"id\":\"" + FakeRuntime.idFor("web") + "\",\"processes\":[{\"pid\":1,"),
        lines.get(0));
    assertTrue(r.err().contains("NOT_FOUND: no container with id or name 'missing1'"), r.err());
    CliRun table = conmanctl("container", "top", "web", "db");
    assertEquals(0, table.status(), table.err());
    assertEquals(2, table.out().lines().filter(l -> l.startsWith("PID ")).count(), "a table each: " + table.out());
    assertTrue(table.out().contains("\n\nPID "), "separated by a blank line: " + table.out());
  }

  @Test
  void createOfATakenNameIsAlreadyExists() {
    CliRun r = conmanctl("container", "create", "--image", "/r", "taken", "/bin/true");
    assertEquals(ExitCodes.ALREADY_EXISTS, r.status());
    assertEquals("conmanctl: ALREADY_EXISTS: refused for 'taken'\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void notFoundGoesToStderrWithItsExitCode() {
    CliRun r = conmanctl("container", "status", "missing1");
    assertEquals(new CliRun(ExitCodes.NOT_FOUND, "",
        "conmanctl: NOT_FOUND: no container with id or name 'missing1'\n"), r);
  }

  @Test
  void severalRefsAreAllTriedAndTheFirstFailureIsTheStatus() {
    CliRun r = conmanctl("container", "start", "a", "missing1", "b");
    assertEquals(ExitCodes.NOT_FOUND, r.status());
    assertEquals(FakeRuntime.idFor("a") + "\n" + FakeRuntime.idFor("b") + "\n", r.out());
    assertEquals("conmanctl: NOT_FOUND: no container with id or name 'missing1'\n", r.err());
    assertEquals(List.of("a", "missing1", "b"), sent(StartContainerRequest.class).stream()
        .map(StartContainerRequest::getRef).collect(Collectors.toList()));
  }

  @Test
  void stopDeadlineCoversTheGracePeriod() {
    CliRun r = conmanctl("--timeout", "5", "container", "stop", "-t", "20", "c1");
    assertEquals(new CliRun(0, FakeRuntime.idFor("c1") + "\n", ""), r);
    assertEquals(20, sent(StopContainerRequest.class).get(0).getTimeoutSeconds());
    long left = fake.deadlines.get("stop").orElseThrow().timeRemaining(TimeUnit.SECONDS);
    assertTrue(left > 20 && left <= 25, "deadline in " + left + " s");
  }

  @Test
  void stopSendsTheDefaultGracePeriod() {
    conmanctl("container", "stop", "c1");
    assertEquals(10, sent(StopContainerRequest.class).get(0).getTimeoutSeconds());
  }

  @Test
  void killSendsTheSignal() {
    assertEquals(0, conmanctl("container", "kill", "-s", "TERM", "c1").status());
    assertEquals(0, conmanctl("container", "kill", "c2").status());
    assertEquals(List.of("TERM", "SIGKILL"), sent(KillContainerRequest.class).stream()
        .map(KillContainerRequest::getSignal).collect(Collectors.toList()));
  }

  @Test
  void deleteWithForceAsJson() {
    CliRun r = conmanctl("-o", "json", "container", "delete", "--force", "c1");
    assertEquals(new CliRun(0, "{\"id\":\"" + FakeRuntime.idFor("c1") + "\"}\n", ""), r);
    assertTrue(sent(DeleteContainerRequest.class).get(0).getForce());
  }

  @Test
  void statusAsJsonIsOneObjectPerLine() {
    CliRun r = conmanctl("container", "status", "-o", "json", "c1", "c2");
    assertEquals(ContainerFormat.json(FakeRuntime.container("c1",
        ContainerState.CONTAINER_STATE_CREATED)) + "\n" + ContainerFormat.json(
        FakeRuntime.container("c2", ContainerState.CONTAINER_STATE_CREATED)) + "\n", r.out());
  }

  @Test
  void statusAsTable() {
    CliRun r = conmanctl("container", "status", "c1");
    assertEquals(0, r.status());
    assertTrue(r.out().startsWith("ID:        " + FakeRuntime.idFor("c1") + "\n"), r.out());
    assertTrue(r.out().contains("State:     CREATED\n"), r.out());
  }

  @Test
  void listAsTableWithALabelFilter() {
    CliRun r = conmanctl("container", "list", "--label", "app=web");
    assertEquals(0, r.status());
    List<String> lines = r.out().lines().collect(Collectors.toList());
    assertEquals(3, lines.size(), r.out());
    assertTrue(lines.get(0).startsWith("ID             NAME   STATE     PID   EXIT"), lines.get(0));
    assertTrue(lines.get(1).startsWith("web000000000   web    RUNNING   42    -"), lines.get(1));
    assertTrue(lines.get(2).startsWith("db0000000000   db     EXITED    -     0"), lines.get(2));
    assertEquals(Map.of("app", "web"), sent(ListContainersRequest.class).get(0).getLabelsMap());
  }

  @Test
  void listAsJsonIsAnArray() {
    CliRun r = conmanctl("-o", "json", "container", "list");
    assertTrue(r.out().startsWith("[{\"id\":\"web0"), r.out());
    assertTrue(r.out().endsWith("}]\n"), r.out());
    assertEquals(1, r.out().lines().count());
  }

  @Test
  void listQuietPrintsFullIds() {
    CliRun r = conmanctl("container", "list", "-q");
    assertEquals(FakeRuntime.idFor("web") + "\n" + FakeRuntime.idFor("db") + "\n", r.out());
  }

  @Test
  void waitPrintsAndReturnsTheExitCodeWithoutDeadline() {
    CliRun r = conmanctl("container", "wait", "c1");
    assertEquals(new CliRun(7, "7\n", ""), r);
    assertEquals(Optional.<Deadline>empty(), fake.deadlines.get("wait"));
  }

  @Test
  void waitUntilRemovedAsksForTheRemoval() {
    CliRun r = conmanctl("container", "wait", "--until-removed", "c1");
    assertEquals(7, r.status(), r.err());
    assertEquals(dev.conman.api.v1.WaitCondition.WAIT_CONDITION_REMOVED,
        sent(WaitContainerRequest.class).get(0).getCondition());
  }

  @Test
  void waitForAnUnknownExitCodeIs125() {
    CliRun r = conmanctl("container", "wait", "lost1");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertEquals("", r.out());
    assertEquals("conmanctl: container lost10000000 (EXITED) has no known exit code:"
        + " conmon died: exit code unknown\n", r.err());
  }

  @Test
  void waitForAMissingContainerIs125() {
    CliRun r = conmanctl("container", "wait", "missing1");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: NOT_FOUND: "), r.err());
  }

  @Test
  void runAttachesStartsAndWithRmLeavesTheDeleteToTheDaemonAndWaitsUntilItIsDone() {
    CliRun r = conmanctl("run", "--rm", "--image", "/r", "c1", "sh", "-c", "exit 7");
    assertEquals(new CliRun(7, "", ""), r);
    assertEquals(List.of("CreateContainerRequest", "AttachSpec", "StartContainerRequest",
        "WaitContainerRequest"), sentTypes());
    String id = FakeRuntime.idFor("c1");
    AttachSpec attach = sent(AttachSpec.class).get(0);
    assertEquals(id, attach.getRef());
    assertFalse(attach.getStdin(), "output only, without -i");
    assertEquals(id, sent(StartContainerRequest.class).get(0).getRef());
    WaitContainerRequest wait = sent(WaitContainerRequest.class).get(0);
    assertEquals(id, wait.getRef(), "the full id: a container deleted already is found in the journal");
    assertEquals(WaitCondition.WAIT_CONDITION_REMOVED, wait.getCondition());
    assertTrue(sent(CreateContainerRequest.class).get(0).getAutoRemove(),
        "the daemon deletes it, also when conmanctl is interrupted");
  }

  @Test
  void runWithoutRmKeepsTheContainer() {
    assertEquals(7, conmanctl("run", "--image", "/r", "c1", "/bin/true").status());
    assertEquals(List.of("CreateContainerRequest", "AttachSpec", "StartContainerRequest"), sentTypes());
    assertFalse(sent(CreateContainerRequest.class).get(0).getAutoRemove());
  }

  @Test
  void runAsJsonWaitsUntilRemovedAndPrintsTheExitedContainer() {
    CliRun r = conmanctl("-o", "json", "run", "--rm", "--image", "/r", "c1", "/bin/true");
    assertEquals(7, r.status(), r.err());
    assertTrue(r.out().contains("\"state\":\"EXITED\""), r.out());
    assertEquals(List.of("CreateContainerRequest", "StartContainerRequest", "WaitContainerRequest"), sentTypes());
    assertEquals(WaitCondition.WAIT_CONDITION_REMOVED, sent(WaitContainerRequest.class).get(0).getCondition());
    assertTrue(sent(CreateContainerRequest.class).get(0).getAutoRemove());
  }

  @Test
  void runDetachedPrintsTheStartedContainerAsJsonAndDoesNotWait() {
    CliRun r = conmanctl("-o", "json", "run", "-d", "--image", "/r", "c1", "/bin/true");
    assertEquals(0, r.status());
    assertEquals(1, r.out().lines().count(), r.out());
    assertTrue(r.out().contains("\"state\":\"RUNNING\",\"pid\":42"), r.out());
    assertEquals(List.of("CreateContainerRequest"), sentTypes(), "created and started in one call");
    assertTrue(sent(CreateContainerRequest.class).get(0).getStart());
  }

  @Test
  void runDetachedWhoseStartFailsReportsTheDaemonsError() {
    CliRun r = conmanctl("run", "-d", "--image", "/r", "nostart2", "/bin/true");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: FAILED_PRECONDITION: refused for"), r.err());
    assertEquals(List.of("CreateContainerRequest"), sentTypes());
  }

  @Test
  void runDeletesTheContainerWhenStartFailsWithRm() {
    CliRun r = conmanctl("run", "--rm", "--image", "/r", "nostart1", "/bin/true");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: FAILED_PRECONDITION: refused for"), r.err());
    assertEquals(List.of("CreateContainerRequest", "AttachSpec", "StartContainerRequest",
        "DeleteContainerRequest"), sentTypes());
    assertTrue(sent(DeleteContainerRequest.class).get(0).getForce(), "a container that never ran is conmanctl's to delete");
  }

  @Test
  void anAttachLostAfterTheStartLeavesTheContainerToTheDaemon() {
    CliRun r = conmanctl("run", "--rm", "--image", "/r", "dropped1", "/bin/true");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: UNAVAILABLE"), r.err());
    assertEquals(List.of("CreateContainerRequest", "AttachSpec", "StartContainerRequest"), sentTypes(),
        "no delete: it runs on, and the daemon deletes it when it exits (auto_remove)");
  }

  @Test
  void runFailsWith125WhenTheNameIsTaken() {
    CliRun r = conmanctl("run", "--image", "/r", "taken", "/bin/true");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: ALREADY_EXISTS"), r.err());
  }

  @Test
  void runWithRmAndDetachLeavesTheDeleteToTheDaemon() {
    CliRun r = conmanctl("run", "--rm", "-d", "--image", "/r", "c1", "/bin/true");
    assertEquals(0, r.status(), r.err());
    assertEquals(List.of("CreateContainerRequest"), sentTypes());
    assertTrue(sent(CreateContainerRequest.class).get(0).getAutoRemove(), "auto_remove asked of the daemon");
  }

  @Test
  void missingSocketIsReportedAtOnce() {
    Path nowhere = tmp.resolve("nope.sock");
    CliRun r = CliRun.on(nowhere, "container", "list");
    assertEquals(new CliRun(ExitCodes.ERROR, "", "conmanctl: cannot connect to conmand at "
        + nowhere + ": no such socket (is conmand running?)\n"), r);
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE,
        CliRun.on(nowhere, "run", "--image", "/r", "c1", "/bin/true").status());
  }

  @Test
  void aSocketNobodyListensOnIsUnavailable() throws IOException {
    Path stale = Files.createFile(tmp.resolve("stale.sock"));
    CliRun r = CliRun.on(stale, "container", "list");
    assertEquals(ExitCodes.ERROR, r.status());
    assertTrue(r.err().startsWith("conmanctl: UNAVAILABLE"), r.err());
    assertTrue(r.err().endsWith("Connection refused: " + stale + " (is conmand running?)\n"),
        r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void usageErrorsAre2AndSayWhereToLook() {
    CliRun r = conmanctl("container", "create", "--image", "/r", "c1");
    assertEquals(ExitCodes.USAGE, r.status());
    assertEquals("conmanctl: Missing required parameter: 'CMD'\n"
        + "Run 'conmanctl container create --help' for usage.\n", r.err());
  }

  @Test
  void eventsWithoutFollowPrintTheJournalAndExit() {
    CliRun r = conmanctl("events");
    assertEquals(new CliRun(0, lines(FakeEvents.PAST), ""), r);
    assertEquals(SubscribeRequest.newBuilder().setSinceOffset(0).build(),
        sent(SubscribeRequest.class).get(0));
    assertTrue(fake.deadlines.get("subscribe").isPresent(), "without follow: a deadline");
  }

  @Test
  void eventsAsJsonAreOneObjectPerLine() {
    CliRun r = conmanctl("events", "-o", "json", "--since", "1", "--filter", "type=exited");
    assertEquals(FakeEvents.PAST.stream().map(e -> EventFormat.json(e) + "\n")
        .collect(Collectors.joining()), r.out());
    SubscribeRequest sent = sent(SubscribeRequest.class).get(0);
    assertEquals(1, sent.getSinceOffset());
    assertEquals("exited", sent.getFilters(0).getValue());
  }

  @Test
  void eventsFollowPrintsLiveEventsAsTheyCome() throws Exception {
    StringWriter out = new StringWriter();
    ExecutorService cli = Executors.newSingleThreadExecutor();
    try {
      Future<CliRun> running = cli.submit(() -> CliRun.on(socket, out, "events", "-f"));
      ServerCallStreamObserver<Event> follower = events.follower();
      Event live = EventFormatTest.event(4, "deleted", 4).build();
      follower.onNext(live);
      String expected = lines(FakeEvents.PAST) + lines(List.of(live));
      long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
      while (!out.toString().equals(expected) && System.nanoTime() < until) {
        Thread.sleep(10);
      }
      assertEquals(expected, out.toString(), "printed while the stream is still open");
      assertFalse(running.isDone());
      follower.onCompleted();
      assertEquals(new CliRun(0, expected, ""), running.get(10, TimeUnit.SECONDS));
    } finally {
      cli.shutdownNow();
    }
    SubscribeRequest sent = sent(SubscribeRequest.class).get(0);
    assertTrue(sent.getFollow());
    assertEquals(SubscribeRequest.SinceCase.SINCE_NOT_SET, sent.getSinceCase());
    assertEquals(Optional.<Deadline>empty(), fake.deadlines.get("subscribe"));
  }

  @Test
  void aSlowFollowerIsToldWhereToResume() {
    events.endWith = Status.RESOURCE_EXHAUSTED.withDescription("subscriber fell 10000 events"
        + " behind");
    CliRun r = conmanctl("events", "-f", "--since", "0");
    assertEquals(new CliRun(ExitCodes.RESOURCE_EXHAUSTED, lines(FakeEvents.PAST),
        "conmanctl: RESOURCE_EXHAUSTED: subscriber fell 10000 events behind; resume with"
            + " --since 3\n"), r);
  }

  @Test
  void aFollowerDroppedBeforeItsFirstEventResumesWhereItStarted() {
    events.past = List.of();
    events.endWith = Status.RESOURCE_EXHAUSTED.withDescription("behind");
    CliRun r = conmanctl("events", "-f", "--since", "2026-11-28T11:00:00+01:00");
    assertEquals(new CliRun(ExitCodes.RESOURCE_EXHAUSTED, "", "conmanctl: RESOURCE_EXHAUSTED:"
        + " behind; resume with --since 2026-11-28T10:00:00Z\n"), r);
  }

  @Test
  void aRejectedSubscriptionIsAnOrdinaryError() {
    events.past = List.of();
    events.endWith = Status.INVALID_ARGUMENT.withDescription("unknown filter key 'colour'");
    CliRun r = conmanctl("events", "--filter", "colour=red");
    assertEquals(new CliRun(ExitCodes.USAGE, "",
        "conmanctl: INVALID_ARGUMENT: unknown filter key 'colour'\n"), r);
  }

  @Test
  void aFollowerStopsWhenStdoutIsClosed() throws Exception {
    Writer closed = new Writer() {
      @Override
      public void write(char[] buf, int off, int len) throws IOException {
        throw new IOException("Broken pipe");
      }

      @Override
      public void flush() {}

      @Override
      public void close() {}
    };
    assertEquals(0, CliRun.on(socket, closed, "events", "-f").status());
    ServerCallStreamObserver<Event> follower = events.follower();
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!follower.isCancelled() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertTrue(follower.isCancelled(), "the daemon sees the stream end");
  }

  @Test
  void eventsRejectsAFilterWithoutEquals() {
    CliRun r = conmanctl("events", "--filter", "exited");
    assertEquals(ExitCodes.USAGE, r.status());
    assertTrue(r.err().startsWith("conmanctl: Invalid value for option '--filter' (KEY=VALUE):"
        + " 'exited' is not KEY=VALUE"), r.err());
    assertTrue(fake.requests.isEmpty());
  }

  @Test
  void historyPrintsEventsLikeEvents() {
    CliRun r = conmanctl("container", "history", "web");
    assertEquals(new CliRun(0, lines(FakeEvents.PAST), ""), r);
    assertEquals("web", sent(HistoryRequest.class).get(0).getRef());
    assertTrue(fake.deadlines.get("history").isPresent());
    assertEquals(ExitCodes.NOT_FOUND, conmanctl("container", "history", "missing1").status());
  }

  @Test
  void statusAtATime() {
    CliRun r = conmanctl("container", "inspect", "c1", "--at", "2026-11-28T10:00:00Z");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("State:     RUNNING\n"), r.out());
    assertTrue(r.out().endsWith("As of:     sequence 2\n"), r.out());
    StatusAtRequest sent = sent(StatusAtRequest.class).get(0);
    assertEquals("c1", sent.getRef());
    assertEquals(ContainerFormatTest.ts("2026-11-28T10:00:00Z"), sent.getTime());
  }

  @Test
  void statusAtASequenceAsJson() {
    CliRun r = conmanctl("-o", "json", "container", "status", "--at", "5", "c1");
    assertEquals(new CliRun(0, ContainerFormat.json(FakeRuntime.container("c1",
        ContainerState.CONTAINER_STATE_EXITED).toBuilder().setExitCode(7).build(), 5) + "\n", ""),
        r);
    assertEquals(5, sent(StatusAtRequest.class).get(0).getSequence());
  }

  @Test
  void statusAtOfSeveralRefsIsAUsageError() {
    CliRun r = conmanctl("container", "status", "--at", "5", "c1", "c2");
    assertEquals(ExitCodes.USAGE, r.status());
    assertTrue(r.err().startsWith("conmanctl: --at takes a single REF"), r.err());
    assertTrue(fake.requests.isEmpty());
  }

  @Test
  void helpGoesToStdout() {
    CliRun r = conmanctl("--help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("Exit status:"), r.out());
    assertTrue(r.out().contains("125"), r.out());
    assertEquals("", r.err());
  }
}
