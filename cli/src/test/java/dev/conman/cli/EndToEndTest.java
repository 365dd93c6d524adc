package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Deadline;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * conmanctl against a fake RuntimeService on a real Unix socket: the requests it sends, what it
 * prints on stdout and stderr, and its exit status.
 */
class EndToEndTest {
  @TempDir Path tmp;
  private Path socket;
  private final FakeRuntime fake = new FakeRuntime();
  private EventLoopGroup loop;
  private Server server;

  record Result(int status, String out, String err) {}

  @BeforeEach
  void startFakeDaemon() throws IOException {
    // a space in the path: the channel target must encode it
    socket = Files.createDirectory(tmp.resolve("run dir")).resolve("conman.sock");
    loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loop)
        .workerEventLoopGroup(loop)
        .addService(fake)
        .build()
        .start();
  }

  @AfterEach
  void stopFakeDaemon() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }

  private Result conmanctl(String... args) {
    return conmanctlOn(socket, args);
  }

  private static Result conmanctlOn(Path socket, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cmd = Conmanctl.commandLine();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    String[] all = Stream.concat(Stream.of("--socket", socket.toString()), Stream.of(args))
        .toArray(String[]::new);
    int status = cmd.execute(all);
    return new Result(status, out.toString(), err.toString());
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
  void createSendsTheRequestAndPrintsTheId() {
    Result r = conmanctl("container", "create", "--image", "rootfs", "-e", "A=1", "--label",
        "app=web", "--workdir", "/w", "--read-only", "c1", "--", "sh", "-c", "exit 7");
    assertEquals(new Result(0, FakeRuntime.idFor("c1") + "\n", ""), r);
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
  void createOfATakenNameIsAlreadyExists() {
    Result r = conmanctl("container", "create", "--image", "/r", "taken", "/bin/true");
    assertEquals(ExitCodes.ALREADY_EXISTS, r.status());
    assertEquals("conmanctl: ALREADY_EXISTS: refused for 'taken'\n", r.err());
    assertEquals("", r.out());
  }

  @Test
  void notFoundGoesToStderrWithItsExitCode() {
    Result r = conmanctl("container", "status", "missing1");
    assertEquals(new Result(ExitCodes.NOT_FOUND, "",
        "conmanctl: NOT_FOUND: no container with id or name 'missing1'\n"), r);
  }

  @Test
  void severalRefsAreAllTriedAndTheFirstFailureIsTheStatus() {
    Result r = conmanctl("container", "start", "a", "missing1", "b");
    assertEquals(ExitCodes.NOT_FOUND, r.status());
    assertEquals(FakeRuntime.idFor("a") + "\n" + FakeRuntime.idFor("b") + "\n", r.out());
    assertEquals("conmanctl: NOT_FOUND: no container with id or name 'missing1'\n", r.err());
    assertEquals(List.of("a", "missing1", "b"), sent(StartContainerRequest.class).stream()
        .map(StartContainerRequest::getRef).collect(Collectors.toList()));
  }

  @Test
  void stopDeadlineCoversTheGracePeriod() {
    Result r = conmanctl("--timeout", "5", "container", "stop", "-t", "20", "c1");
    assertEquals(new Result(0, FakeRuntime.idFor("c1") + "\n", ""), r);
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
    Result r = conmanctl("-o", "json", "container", "delete", "--force", "c1");
    assertEquals(new Result(0, "{\"id\":\"" + FakeRuntime.idFor("c1") + "\"}\n", ""), r);
    assertTrue(sent(DeleteContainerRequest.class).get(0).getForce());
  }

  @Test
  void statusAsJsonIsOneObjectPerLine() {
    Result r = conmanctl("container", "status", "-o", "json", "c1", "c2");
    assertEquals(ContainerFormat.json(FakeRuntime.container("c1",
        ContainerState.CONTAINER_STATE_CREATED)) + "\n" + ContainerFormat.json(
        FakeRuntime.container("c2", ContainerState.CONTAINER_STATE_CREATED)) + "\n", r.out());
  }

  @Test
  void statusAsTable() {
    Result r = conmanctl("container", "status", "c1");
    assertEquals(0, r.status());
    assertTrue(r.out().startsWith("ID:        " + FakeRuntime.idFor("c1") + "\n"), r.out());
    assertTrue(r.out().contains("State:     CREATED\n"), r.out());
  }

  @Test
  void listAsTableWithALabelFilter() {
    Result r = conmanctl("container", "list", "--label", "app=web");
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
    Result r = conmanctl("-o", "json", "container", "list");
    assertTrue(r.out().startsWith("[{\"id\":\"web0"), r.out());
    assertTrue(r.out().endsWith("}]\n"), r.out());
    assertEquals(1, r.out().lines().count());
  }

  @Test
  void listQuietPrintsFullIds() {
    Result r = conmanctl("container", "list", "-q");
    assertEquals(FakeRuntime.idFor("web") + "\n" + FakeRuntime.idFor("db") + "\n", r.out());
  }

  @Test
  void waitPrintsAndReturnsTheExitCodeWithoutDeadline() {
    Result r = conmanctl("container", "wait", "c1");
    assertEquals(new Result(7, "7\n", ""), r);
    assertEquals(java.util.Optional.<Deadline>empty(), fake.deadlines.get("wait"));
  }

  @Test
  void waitForAnUnknownExitCodeIs125() {
    Result r = conmanctl("container", "wait", "lost1");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertEquals("", r.out());
    assertEquals("conmanctl: container lost10000000 (EXITED) has no known exit code:"
        + " conmon died: exit code unknown\n", r.err());
  }

  @Test
  void waitForAMissingContainerIs125() {
    Result r = conmanctl("container", "wait", "missing1");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: NOT_FOUND: "), r.err());
  }

  @Test
  void runCreatesStartsWaitsDeletesAndExitsWithTheContainersCode() {
    Result r = conmanctl("run", "--rm", "--image", "/r", "c1", "sh", "-c", "exit 7");
    assertEquals(new Result(7, FakeRuntime.idFor("c1") + "\n", ""), r);
    assertEquals(List.of("CreateContainerRequest", "StartContainerRequest",
        "WaitContainerRequest", "DeleteContainerRequest"), sentTypes());
    String id = FakeRuntime.idFor("c1");
    assertEquals(id, sent(StartContainerRequest.class).get(0).getRef());
    assertEquals(id, sent(WaitContainerRequest.class).get(0).getRef());
    assertEquals(id, sent(DeleteContainerRequest.class).get(0).getRef());
  }

  @Test
  void runWithoutRmKeepsTheContainer() {
    assertEquals(7, conmanctl("run", "--image", "/r", "c1", "/bin/true").status());
    assertTrue(sent(DeleteContainerRequest.class).isEmpty());
  }

  @Test
  void runDetachedPrintsTheStartedContainerAsJsonAndDoesNotWait() {
    Result r = conmanctl("-o", "json", "run", "-d", "--image", "/r", "c1", "/bin/true");
    assertEquals(0, r.status());
    assertEquals(1, r.out().lines().count(), r.out());
    assertTrue(r.out().contains("\"state\":\"RUNNING\",\"pid\":42"), r.out());
    assertEquals(List.of("CreateContainerRequest", "StartContainerRequest"), sentTypes());
  }

  @Test
  void runDeletesTheContainerWhenStartFailsWithRm() {
    Result r = conmanctl("run", "--rm", "--image", "/r", "nostart1", "/bin/true");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: FAILED_PRECONDITION: refused for"), r.err());
    assertEquals(List.of("CreateContainerRequest", "StartContainerRequest",
        "DeleteContainerRequest"), sentTypes());
    assertTrue(sent(DeleteContainerRequest.class).get(0).getForce());
  }

  @Test
  void runFailsWith125WhenTheNameIsTaken() {
    Result r = conmanctl("run", "--image", "/r", "taken", "/bin/true");
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE, r.status());
    assertTrue(r.err().startsWith("conmanctl: ALREADY_EXISTS"), r.err());
  }

  @Test
  void runRejectsRmWithDetach() {
    Result r = conmanctl("run", "--rm", "-d", "--image", "/r", "c1", "/bin/true");
    assertEquals(ExitCodes.USAGE, r.status());
    assertTrue(r.err().startsWith("conmanctl: --rm cannot be combined with --detach"), r.err());
    assertTrue(fake.requests.isEmpty());
  }

  @Test
  void missingSocketIsReportedAtOnce() {
    Path nowhere = tmp.resolve("nope.sock");
    Result r = conmanctlOn(nowhere, "container", "list");
    assertEquals(new Result(ExitCodes.ERROR, "", "conmanctl: cannot connect to conmand at "
        + nowhere + ": no such socket (is conmand running?)\n"), r);
    assertEquals(ExitCodes.NO_CONTAINER_EXIT_CODE,
        conmanctlOn(nowhere, "run", "--image", "/r", "c1", "/bin/true").status());
  }

  @Test
  void aSocketNobodyListensOnIsUnavailable() throws IOException {
    Path stale = Files.createFile(tmp.resolve("stale.sock"));
    Result r = conmanctlOn(stale, "container", "list");
    assertEquals(ExitCodes.ERROR, r.status());
    assertTrue(r.err().startsWith("conmanctl: UNAVAILABLE"), r.err());
    assertTrue(r.err().endsWith("Connection refused: " + stale + " (is conmand running?)\n"),
        r.err());
    assertFalse(r.err().contains("\tat "), "no stack trace: " + r.err());
  }

  @Test
  void usageErrorsAre2AndSayWhereToLook() {
    Result r = conmanctl("container", "create", "--image", "/r", "c1");
    assertEquals(ExitCodes.USAGE, r.status());
    assertEquals("conmanctl: Missing required parameter: 'CMD'\n"
        + "Run 'conmanctl container create --help' for usage.\n", r.err());
  }

  @Test
  void helpGoesToStdout() {
    Result r = conmanctl("--help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("Exit status:"), r.out());
    assertTrue(r.out().contains("125"), r.out());
    assertEquals("", r.err());
  }
}
