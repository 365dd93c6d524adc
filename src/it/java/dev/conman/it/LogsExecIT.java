package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.ExecSyncRequest;
import dev.conman.api.v1.ExecSyncResponse;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogStream;
import dev.conman.api.v1.LogsRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Logs from conmon's log file and processes executed in running containers, with real runc and conmon. */
class LogsExecIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  private static IoServiceGrpc.IoServiceBlockingStub io() {
    return IoServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static List<LogEntry> logs(LogsRequest request) {
    List<LogEntry> got = new ArrayList<>();
    io().logs(request).forEachRemaining(got::add);
    return got;
  }

  private static List<String> text(List<LogEntry> entries) {
    return entries.stream().map(e -> e.getData().toStringUtf8()).toList();
  }

  @Test
  void logsOfStdoutAndStderrAfterExitTailAndStreams() {
    ConmanDaemon d = conman.daemon();
    String id = conman.startShell(conman.name("l"), "for i in 1 2 3; do echo out$i; echo err$i >&2; done");
    d.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build());
    List<LogEntry> all = logs(LogsRequest.newBuilder().setRef(id).build());
    assertEquals(6, all.size(), () -> "got " + text(all));
    assertEquals(List.of("out1", "out2", "out3"), text(all.stream()
        .filter(e -> e.getStream() == LogStream.LOG_STREAM_STDOUT).toList()));
    assertEquals(List.of("err1", "err2", "err3"), text(logs(LogsRequest.newBuilder().setRef(id)
        .setStream(LogStream.LOG_STREAM_STDERR).build())));
    assertEquals(List.of("out3"), text(logs(LogsRequest.newBuilder().setRef(id).setTail(1)
        .setStream(LogStream.LOG_STREAM_STDOUT).build())));
    assertEquals(List.of(), logs(LogsRequest.newBuilder().setRef(id).setSince(com.google.protobuf.Timestamp
        .newBuilder().setSeconds(java.time.Instant.now().plusSeconds(60).getEpochSecond())).build()));
    conman.forceDelete(id);
  }

  @Test
  void logsSurviveADaemonRestart() throws Exception {
    ConmanDaemon d = conman.daemon();
    String id = conman.startShell(conman.name("r"), "echo before; exit 0");
    d.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build());
    d.stop();
    d.restart();
    assertEquals(List.of("before"), text(logs(LogsRequest.newBuilder().setRef(id).build())));
    conman.forceDelete(id);
  }

  @Test
  void followEndsWhenTheContainerExits() {
    String id = conman.startShell(conman.name("f"), "echo one; sleep 1; echo two; exit 3");
    long start = System.nanoTime();
    List<LogEntry> got = logs(LogsRequest.newBuilder().setRef(id).setFollow(true).build());
    assertEquals(List.of("one", "two"), text(got));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos());
    conman.forceDelete(id);
  }

  @Test
  void execSyncEchoExitCodeTimeoutAndNotRunning() {
    String id = conman.startShell(conman.name("x"), "sleep 300");
    ExecSyncResponse echo = io().execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(id)
        .addCommand("/bin/echo").addCommand("hello").build()).build());
    assertEquals("hello\n", echo.getStdout().toStringUtf8());
    assertEquals(0, echo.getExitCode());
    ExecSyncResponse failing = io().execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(id)
        .addCommand("/bin/sh").addCommand("-c").addCommand("echo oops >&2; exit 5").addEnv("A=1").build()).build());
    assertEquals(5, failing.getExitCode());
    assertEquals("oops\n", failing.getStderr().toStringUtf8());
    long start = System.nanoTime();
    Support.assertCode(Status.Code.DEADLINE_EXCEEDED, () -> io().execSync(ExecSyncRequest.newBuilder()
        .setSpec(ExecSpec.newBuilder().setRef(id).addCommand("/bin/sleep").addCommand("100").setTimeoutSeconds(1))
        .build()));
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "killed at its timeout");
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> io().execSync(ExecSyncRequest.newBuilder()
        .setSpec(ExecSpec.newBuilder().setRef(id)).build()));
    // as in a shell: 127 for a command not found, 126 for one that cannot be executed; runc says why
    ExecSyncResponse missing = io().execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(id)
        .addCommand("nope")).build());
    assertEquals(127, missing.getExitCode());
    assertEquals("exec failed: unable to start container process: exec: \"nope\": executable file not found in $PATH\n",
        missing.getStderr().toStringUtf8());
    assertEquals(126, io().execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(id)
        .addCommand("/etc")).build()).getExitCode());
    assertEquals(255, io().execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(id)
        .addCommand("/bin/sh").addCommand("-c").addCommand("exit 255")).build()).getExitCode(), "the process's own");

    List<Event> history = EventServiceGrpc.newBlockingStub(conman.daemon().channel())
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
    assertTrue(history.stream().anyMatch(e -> e.getType().equals("exec_started")
        && e.getCommandList().equals(List.of("/bin/echo", "hello"))));
    assertTrue(history.stream().anyMatch(e -> e.getType().equals("exec_exited") && e.getExitCode() == 5));

    conman.forceDelete(id);
    String exited = conman.startShell(conman.name("y"), "exit 0");
    conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(exited).build());
    Support.assertCode(Status.Code.FAILED_PRECONDITION, () -> io().execSync(ExecSyncRequest.newBuilder()
        .setSpec(ExecSpec.newBuilder().setRef(exited).addCommand("/bin/true")).build()));
    conman.forceDelete(exited);
  }

  /** docker exec -d: answered once the command runs, its end journaled with the exit code. */
  @Test
  void aDetachedExecRunsInTheBackgroundAndItsEndIsJournaled() throws Exception {
    String id = conman.startShell(conman.name("bg"), "sleep 300");
    String marker = conman.name("marker");
    long start = System.nanoTime();
    String execId = io().execDetached(ExecSpec.newBuilder().setRef(id).addCommand("/bin/sh").addCommand("-c")
        .addCommand("sleep 1; echo done > /tmp/" + marker + "; exit 4").build()).getExecId();
    assertTrue(System.nanoTime() - start < Duration.ofMillis(900).toNanos(), "answered before the command ended");
    java.nio.file.Path file = conman.rootfs().resolve("tmp").resolve(marker);
    Support.await("the detached command's file", Duration.ofSeconds(10), () -> java.nio.file.Files.exists(file));
    EventServiceGrpc.EventServiceBlockingStub events = EventServiceGrpc.newBlockingStub(conman.daemon().channel());
    Support.await("its exec_exited", Duration.ofSeconds(10), () -> events.history(HistoryRequest.newBuilder()
        .setRef(id).build()).getEventsList().stream().anyMatch(e -> e.getType().equals("exec_exited")
        && e.getExecId().equals(execId) && e.getExitCode() == 4));

    io.grpc.StatusRuntimeException missing = Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> io().execDetached(
        ExecSpec.newBuilder().setRef(id).addCommand("nope").build()));
    assertEquals("COMMAND_NOT_FOUND", io.grpc.protobuf.StatusProto.fromThrowable(missing).getDetails(0)
        .unpack(com.google.rpc.ErrorInfo.class).getReason());
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> io().execDetached(ExecSpec.newBuilder().setRef(id)
        .addCommand("/bin/true").setTty(true).build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> io().execDetached(ExecSpec.newBuilder().setRef(id).build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> io().execDetached(ExecSpec.newBuilder().setRef(id)
        .addCommand("/bin/true").setTimeoutSeconds(-1).build()));
    Support.assertCode(Status.Code.NOT_FOUND, () -> io().execDetached(ExecSpec.newBuilder().setRef("no-such-one")
        .addCommand("/bin/true").build()));
    Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " exec -d " + id + " nope");
    assertEquals(127, cli.exitCode(), cli::toString);
    conman.forceDelete(id);
  }

  /** docker top: runc ps names the processes, /proc tells their pids inside, parents and commands. */
  @Test
  void theProcessesOfARunningContainer() {
    String id = conman.startShell(conman.name("top"), "/bin/sleep 1000 & exec /bin/sleep 2000");
    var runtime = conman.daemon().runtime();
    var request = dev.conman.api.v1.ContainerProcessesRequest.newBuilder().setRef(id).build();
    Support.await("both sleeps", Duration.ofSeconds(10), () -> runtime.containerProcesses(request).getProcessesCount() == 2);
    List<dev.conman.api.v1.ContainerProcess> ps = runtime.containerProcesses(request).getProcessesList();
    assertEquals(id, runtime.containerProcesses(request).getId());
    dev.conman.api.v1.ContainerProcess init = ps.get(0);
    assertEquals(List.of(1L, 0L, 0L), List.of(init.getPid(), init.getPpid(), init.getUid()), init::toString);
    assertEquals(List.of("/bin/sleep", "2000"), init.getCommandList(), "the shell exec'd the second sleep");
    dev.conman.api.v1.ContainerProcess child = ps.get(1);
    assertEquals(1, child.getPpid(), child::toString);
    assertEquals(List.of("/bin/sleep", "1000"), child.getCommandList());
    assertEquals("S", child.getState());
    assertTrue(Support.processExists(child.getHostPid()), "its host pid is a process on the host");
    assertTrue(child.getHostPid() != child.getPid());

    conman.daemon().runtime().stopContainer(dev.conman.api.v1.StopContainerRequest.newBuilder().setRef(id)
        .setTimeoutSeconds(1).build());
    Support.assertCode(Status.Code.FAILED_PRECONDITION, () -> runtime.containerProcesses(request));
    conman.forceDelete(id);
  }

  @Test
  void streamedExecPipesStdinThroughCat() throws Exception {
    String id = conman.startShell(conman.name("s"), "sleep 300");
    ByteArrayOutputStream stdout = new ByteArrayOutputStream();
    CompletableFuture<Integer> exit = new CompletableFuture<>();
    StreamObserver<ExecInput> in = IoServiceGrpc.newStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .exec(new StreamObserver<>() {
          @Override
          public void onNext(ExecOutput o) {
            if (o.hasStdout()) {
              synchronized (stdout) {
                stdout.writeBytes(o.getStdout().toByteArray());
              }
            } else if (o.hasExitCode()) {
              exit.complete(o.getExitCode());
            }
          }

          @Override
          public void onError(Throwable t) {
            exit.completeExceptionally(t);
          }

          @Override
          public void onCompleted() {
            exit.complete(null);
          }
        });
    in.onNext(ExecInput.newBuilder().setStart(ExecSpec.newBuilder().setRef(id).addCommand("/bin/cat")).build());
    in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFromUtf8("line one\n")).build());
    in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFromUtf8("line two\n")).build());
    in.onNext(ExecInput.newBuilder().setCloseStdin(true).build());
    in.onCompleted();
    assertEquals(0, exit.get(20, TimeUnit.SECONDS));
    synchronized (stdout) {
      assertEquals("line one\nline two\n", stdout.toString(StandardCharsets.UTF_8));
    }
    assertFalse(io().execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(id)
        .addCommand("/bin/true")).build()).getTruncated());
    conman.forceDelete(id);
  }
}
