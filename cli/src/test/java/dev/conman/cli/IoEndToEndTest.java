package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogStream;
import dev.conman.api.v1.LogsRequest;
import io.grpc.Deadline;
import io.grpc.stub.ServerCallStreamObserver;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/**
 * logs and exec against a fake IoService on a real Unix socket: the requests they send, the bytes
 * they write to stdout and stderr, what they send as the process's stdin, and the exit status.
 * Bytes are compared as ISO-8859-1 strings: one char per byte, so binary data stays exact.
 */
class IoEndToEndTest {
  @TempDir Path tmp;
  private Path socket;
  private final FakeDaemon daemon = new FakeDaemon();
  private final ExecutorService background = Executors.newCachedThreadPool();

  /** Exit status, and all bytes of stdout and of stderr (conmanctl's own messages included). */
  record Result(int status, String out, String err) {}

  @BeforeEach
  void startFakeDaemon() throws IOException {
    socket = tmp.resolve("conman.sock");
    daemon.start(socket);
  }

  @AfterEach
  void stopFakeDaemon() throws InterruptedException {
    background.shutdownNow();
    daemon.close();
  }

  private Result conmanctl(String... args) {
    return conmanctl(new ByteArrayInputStream(new byte[0]), new ByteArrayOutputStream(), args);
  }

  /**
   * Runs conmanctl with this stdin, and stdout going to {@code out}, which a test may read while
   * it runs (the result has it if it is a ByteArrayOutputStream). picocli's writers share the
   * byte streams, as they share the file descriptors.
   */
  private Result conmanctl(InputStream in, OutputStream out, String... args) {
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    CommandLine cmd = Conmanctl.commandLine(new Stdio(in, out, err));
    cmd.setOut(new PrintWriter(new OutputStreamWriter(out, StandardCharsets.UTF_8), true));
    cmd.setErr(new PrintWriter(new OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    String[] all = Stream.concat(Stream.of("--socket", socket.toString()), Stream.of(args))
        .toArray(String[]::new);
    int status = cmd.execute(all);
    return new Result(status, out instanceof ByteArrayOutputStream o ? latin1(o) : "",
        latin1(err));
  }

  private static String latin1(ByteArrayOutputStream bytes) {
    return bytes.toString(StandardCharsets.ISO_8859_1);
  }

  private static LogEntry entry(LogStream stream, String data, boolean partial, int nanos) {
    return LogEntry.newBuilder()
        .setTime(ContainerFormatTest.ts("2026-11-28T10:00:00Z").toBuilder().setNanos(nanos))
        .setStream(stream).setData(ByteString.copyFrom(data, StandardCharsets.ISO_8859_1))
        .setPartial(partial).build();
  }

  private static final LogStream OUT = LogStream.LOG_STREAM_STDOUT;
  private static final LogStream ERR = LogStream.LOG_STREAM_STDERR;

  private <T> List<T> sent(Class<T> type) {
    return daemon.runtime.requests.stream().filter(type::isInstance).map(type::cast)
        .collect(Collectors.toList());
  }

  private static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean() && System.nanoTime() < until) {
      Thread.sleep(10);
    }
    assertTrue(condition.getAsBoolean(), what);
  }

  @Test
  void logsWriteEachEntryToItsStreamByteForByte() {
    daemon.io.entries = List.of(entry(OUT, "hello", false, 0), entry(ERR, "warn", false, 0),
        entry(OUT, "par", true, 0), entry(OUT, "tial", false, 0),
        entry(OUT, "\u00ff\u0000\r", false, 0),
        entry(LogStream.LOG_STREAM_UNSPECIFIED, "x", true, 0));
    Result r = conmanctl("logs", "c1");
    assertEquals(new Result(0, "hello\npartial\n\u00ff\u0000\r\nx", "warn\n"), r);
    assertEquals(LogsRequest.newBuilder().setRef("c1").build(), sent(LogsRequest.class).get(0));
    assertTrue(daemon.runtime.deadlines.get("logs").isPresent(), "without follow: a deadline");
  }

  @Test
  void runShowsTheContainersOutputOnItsStreamsUntilItExits() {
    daemon.io.entries = List.of(entry(OUT, "hello", false, 0), entry(ERR, "warn", false, 0));
    Result r = conmanctl("run", "--rm", "--image", "/r", "c1", "sh", "-c", "exit 7");
    assertEquals(new Result(7, "hello\n", "warn\n"), r);
    assertTrue(sent(LogsRequest.class).isEmpty(), "attached before the start, as docker run: not from the log");
    assertTrue(daemon.runtime.deadlines.get("attach").isEmpty(), "attached until the container exits: no deadline");
  }

  @Test
  void timestampsStartEachLineButNotTheRestOfAPartialOne() {
    daemon.io.entries = List.of(entry(OUT, "par", true, 1), entry(ERR, "warn", false, 2),
        entry(OUT, "tial", false, 3), entry(OUT, "next", false, 120_000_000));
    Result r = conmanctl("logs", "-t", "c1");
    assertEquals(new Result(0, "2026-11-28T10:00:00.000000001Z partial\n"
        + "2026-11-28T10:00:00.120000000Z next\n", "2026-11-28T10:00:00.000000002Z warn\n"), r);
  }

  @Test
  void logsSendTailSinceStreamAndFollowWithoutDeadline() {
    Result r = conmanctl("container", "logs", "--follow", "--tail", "10", "--since",
        "2026-11-28T11:00:00+01:00", "--stderr", "c1");
    assertEquals(new Result(0, "", ""), r);
    assertEquals(LogsRequest.newBuilder().setRef("c1").setFollow(true).setTail(10)
        .setSince(ContainerFormatTest.ts("2026-11-28T10:00:00Z")).setStream(ERR).build(),
        sent(LogsRequest.class).get(0));
    assertEquals(Optional.<Deadline>empty(), daemon.runtime.deadlines.get("logs"));
    conmanctl("logs", "--stdout", "--tail", "0", "c1");
    assertEquals(LogsRequest.newBuilder().setRef("c1").setTail(0).setStream(OUT).build(),
        sent(LogsRequest.class).get(1));
  }

  @Test
  void logsOfAMissingContainerIsNotFound() {
    assertEquals(new Result(ExitCodes.NOT_FOUND, "",
        "conmanctl: NOT_FOUND: no container with id or name 'missing1'\n"),
        conmanctl("logs", "missing1"));
  }

  @Test
  void logsWithAnOffsetIsAUsageError() {
    Result r = conmanctl("logs", "--since", "42", "c1");
    assertEquals(ExitCodes.USAGE, r.status());
    assertTrue(r.err().startsWith("conmanctl: Invalid value for option '--since': '42' is not a"
        + " time or a duration: use an RFC 3339 time"), r.err());
    assertTrue(daemon.runtime.requests.isEmpty());
  }

  @Test
  void execStreamsOutputAndExitsWithTheProcessesCode() {
    Result r = conmanctl(new ByteArrayInputStream("not read".getBytes(StandardCharsets.UTF_8)),
        new ByteArrayOutputStream(), "exec", "-e", "A=1", "-w", "/w", "--timeout", "5", "c1",
        "--", "exit", "3");
    assertEquals(new Result(3, "out\n", "err\n"), r);
    ExecSpec spec = ExecSpec.newBuilder().setRef("c1").addCommand("exit").addCommand("3")
        .addEnv("A=1").setWorkdir("/w").setTimeoutSeconds(5).build();
    assertEquals(ExecInput.newBuilder().setStart(spec).build(), daemon.io.inputs.get(0));
    assertTrue(daemon.io.inputs.stream().noneMatch(ExecInput::hasStdin), "without -i: no stdin");
    assertEquals(Optional.<Deadline>empty(), daemon.runtime.deadlines.get("exec"));
  }

  @Test
  void aDetachedExecPrintsItsSessionIdAndACommandNotFoundExits127() {
    assertEquals(new Result(0, "exec-sleep\n", ""), conmanctl("exec", "-d", "c1", "sleep", "100"));
    assertEquals(ExecSpec.newBuilder().setRef("c1").addCommand("sleep").addCommand("100").build(),
        daemon.runtime.requests.get(daemon.runtime.requests.size() - 1));
    assertEquals(new Result(0, "{\"exec_id\":\"exec-sleep\"}\n", ""),
        conmanctl("-o", "json", "exec", "--detach", "c1", "sleep"));
    Result missing = conmanctl("exec", "-d", "c1", "nocmd");
    assertEquals(ExitCodes.COMMAND_NOT_FOUND, missing.status(), missing.err());
    assertTrue(missing.err().contains("executable file not found"), missing.err());
    assertEquals(ExitCodes.USAGE, conmanctl("exec", "-d", "-it", "c1", "sh").status());
  }

  @Test
  void execWithATerminalAsksForOneAndStillReturnsTheExitCode() {
    // not at a terminal here: no raw mode, no size (the daemon then leaves the size unknown)
    Result r = conmanctl(new ByteArrayInputStream("echo hi\n".getBytes(StandardCharsets.UTF_8)),
        new ByteArrayOutputStream(), "exec", "-it", "c1", "--", "cat");
    assertEquals(0, r.status(), r::toString);
    assertEquals("echo hi\n", r.out());
    ExecSpec start = daemon.io.inputs.get(0).getStart();
    assertTrue(start.getTty(), "-t asks for a terminal");
    assertEquals(List.of("cat"), start.getCommandList());
    assertTrue(daemon.io.inputs.get(1).hasStdin(), "-i sends stdin");
  }

  @Test
  void execInteractiveCopiesStdinInFramesThenClosesIt() {
    byte[] stdin = new byte[2 * StreamedCall.STDIN_FRAME + 1000];
    for (int i = 0; i < stdin.length; i++) {
      stdin[i] = (byte) (i * 7);
    }
    Result r = conmanctl(new ByteArrayInputStream(stdin), new ByteArrayOutputStream(),
        "container", "exec", "-i", "c1", "cat");
    assertEquals(new Result(0, new String(stdin, StandardCharsets.ISO_8859_1), ""), r);
    List<ExecInput> frames = daemon.io.inputs.subList(1, daemon.io.inputs.size() - 1);
    assertTrue(frames.stream().allMatch(f -> f.hasStdin()
        && f.getStdin().size() <= StreamedCall.STDIN_FRAME), "frames of at most 32 KiB");
    assertEquals(3, frames.size());
    assertTrue(daemon.io.inputs.get(daemon.io.inputs.size() - 1).getCloseStdin());
  }

  @Test
  void execClosesStdinAtOnceAndWritesOutputWhileTheProcessRuns() throws Exception {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    Future<Result> cli = background.submit(() ->
        conmanctl(new ByteArrayInputStream(new byte[0]), out, "exec", "c1", "top"));
    ServerCallStreamObserver<ExecOutput> process = daemon.io.running();
    await(() -> daemon.io.halfClosed, "without -i, stdin is closed at once, the call half-closed");
    assertEquals(ExecInput.newBuilder().setCloseStdin(true).build(), daemon.io.inputs.get(1));
    assertEquals(2, daemon.io.inputs.size());
    process.onNext(FakeIo.stdout("tick\n"));
    await(() -> latin1(out).equals("tick\n"), "printed before the process ended");
    assertFalse(cli.isDone());
    process.onNext(FakeIo.exitCode(5));
    process.onCompleted();
    assertEquals(new Result(5, "tick\n", ""), cli.get(10, TimeUnit.SECONDS));
  }

  @Test
  void execDaemonErrorsAre125WithTheMessage() {
    assertEquals(new Result(ExitCodes.NO_CONTAINER_EXIT_CODE, "",
        "conmanctl: NOT_FOUND: no container with id or name 'missing1'\n"),
        conmanctl("exec", "missing1", "true"));
    assertEquals(new Result(ExitCodes.NO_CONTAINER_EXIT_CODE, "",
        "conmanctl: FAILED_PRECONDITION: refused for 'stopped1'\n"),
        conmanctl("exec", "stopped1", "true"));
  }

  @Test
  void execEndedWithoutAnExitCodeIs125() {
    assertEquals(new Result(ExitCodes.NO_CONTAINER_EXIT_CODE, "",
        "conmanctl: the daemon ended exec without the process's exit code\n"),
        conmanctl("exec", "c1", "noexit"));
  }

  @Test
  void execUsageErrorsAre2() {
    Result r = conmanctl("exec", "c1", "--");
    assertEquals(new Result(ExitCodes.USAGE, "", "conmanctl: Missing required parameter: 'CMD'\n"
        + "Run 'conmanctl exec --help' for usage.\n"), r);
    assertTrue(daemon.runtime.requests.isEmpty());
  }

  @Test
  void ctrlCCancelsTheCallAndTheDaemonSeesIt() throws Exception {
    ExecSession session = new ExecSession();
    Stdio stdio = new Stdio(InputStream.nullInputStream(), OutputStream.nullOutputStream(),
        OutputStream.nullOutputStream());
    try (Daemon connection = Daemon.connect(socket, Duration.ofSeconds(30))) {
      Future<Integer> exec = background.submit(() -> session.run(connection.ioAsync(),
          ExecSpec.newBuilder().setRef("c1").addCommand("sleep").build(), null, stdio));
      ServerCallStreamObserver<ExecOutput> process = daemon.io.running();
      session.interrupt();
      assertEquals(ExitCodes.INTERRUPTED, exec.get(10, TimeUnit.SECONDS));
      await(process::isCancelled, "the daemon sees the call cancelled");
    }
  }

  @Test
  void execKillsTheProcessWhenStdoutIsClosed() throws Exception {
    OutputStream closed = new OutputStream() {
      @Override
      public void write(int b) throws IOException {
        throw new IOException("Broken pipe");
      }
    };
    Future<Result> cli = background.submit(() -> conmanctl(InputStream.nullInputStream(),
        closed, "exec", "c1", "yes"));
    ServerCallStreamObserver<ExecOutput> process = daemon.io.running();
    process.onNext(FakeIo.stdout("y\n"));
    assertEquals(ExitCodes.OUTPUT_CLOSED, cli.get(10, TimeUnit.SECONDS).status());
    await(process::isCancelled, "the daemon sees the call cancelled");
  }
}
