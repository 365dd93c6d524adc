package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.TerminalSize;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * exec with stdin and with a terminal, with real runc and conmon: conmanctl exec -i fed by a pipe,
 * conmanctl exec -it typed through tmux, and the Exec RPC with tty (output, resize, exit code,
 * refusals, the journaled exec events).
 */
class ExecTtyIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  private static final Duration WAIT = Duration.ofSeconds(20);

  /** One Exec call as a test sees it, and its stdin. */
  private static final class Client extends CallRecorder<ExecOutput> {
    StreamObserver<ExecInput> in;

    Client() {
      super(o -> o.hasStdout() ? o.getStdout() : null, o -> o.hasStderr() ? o.getStderr() : null);
    }

    static Client exec(ExecSpec spec) {
      Client c = new Client();
      c.in = IoServiceGrpc.newStub(conman.daemon().channel()).exec(c);
      c.in.onNext(ExecInput.newBuilder().setStart(spec).build());
      return c;
    }

    /** An interactive /bin/sh in container {@code ref}, with a terminal whose size is not given. */
    static Client shell(String ref) {
      return exec(ExecSpec.newBuilder().setRef(ref).addCommand("/bin/sh").setTty(true).build());
    }

    /** An interactive /bin/sh in container {@code ref}, with a terminal of {@code rows} x {@code columns}. */
    static Client shell(String ref, int rows, int columns) {
      return exec(ExecSpec.newBuilder().setRef(ref).addCommand("/bin/sh").setTty(true)
          .setSize(TerminalSize.newBuilder().setRows(rows).setColumns(columns)).build());
    }

    void type(String s) {
      in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFromUtf8(s)).build());
    }
  }

  @Test
  void execIFeedsAPipeThroughCat() {
    String id = conman.startShell(conman.name("cat"), "sleep 300");
    Exec.Result r = Exec.run(WAIT, "/bin/sh", "-c",
        "printf 'one\\ntwo\\n' | " + conman.conmanctl() + " exec -i " + id + " -- cat; echo status:$?");
    assertEquals("one\ntwo\nstatus:0\n", r.stdout(), r::toString);
    conman.forceDelete(id);
  }

  @Test
  void theExecRpcWithATerminalResizesAndReturnsTheExitCode() throws Exception {
    String id = conman.startShell(conman.name("tty"), "sleep 300");
    try {
      execWithATerminal(id);
    } finally {
      conman.forceDelete(id);
    }
  }

  private void execWithATerminal(String id) throws Exception {
    Client c = Client.shell(id, 30, 100);
    // runc gives the process's terminal its size only once the process runs (its signal loop makes
    // the first resize): a command typed before the prompt can run on a 0x0 terminal. A person
    // types at the prompt, and so does this test.
    c.awaitOutput("/ #");
    c.type("tty; stty size\n");
    c.awaitOutput("30 100");
    assertTrue(c.stdout.toString().contains("/dev/pts/"), c.stdout::toString);
    assertTrue(c.stdout.toString().contains("\r\n"), "a terminal's line endings");
    c.in.onNext(ExecInput.newBuilder().setResize(TerminalSize.newBuilder().setRows(20).setColumns(70)).build());
    c.type("stty size\n");
    c.awaitOutput("20 70");
    c.in.onNext(ExecInput.newBuilder().setCloseStdin(true).build()); // ignored: the shell reads on
    c.type("sleep 100\n");
    Thread.sleep(300);
    c.type("\u0003"); // Ctrl-C: the terminal interrupts the sleep, not the shell
    c.type("echo after-$((2+3))\n");
    c.awaitOutput("after-5");
    c.type("exit 4\n");
    Object end = c.next();
    assertEquals(4, ((ExecOutput) end).getExitCode(), () -> end + " after " + c.stdout);
    assertEquals("completed", c.next());
    List<Event> history = EventServiceGrpc.newBlockingStub(conman.daemon().channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS).history(HistoryRequest.newBuilder().setRef(id).build())
        .getEventsList();
    List<String> types = history.stream().map(Event::getType).toList();
    // the exit code is sent once ExecExited is durable: no wait needed
    assertTrue(types.contains("exec_started") && types.contains("exec_exited"), types::toString);
  }

  @Test
  void refusalsHaveClearStatuses() throws Exception {
    String id = conman.startShell(conman.name("ref"), "sleep 300");
    Client big = Client.shell(id, 70000, 80);
    assertEquals(Status.Code.INVALID_ARGUMENT, CallRecorder.code(big.next()));

    Client resized = Client.shell(id);
    resized.type("echo ready\n");
    resized.awaitOutput("ready");
    resized.in.onNext(ExecInput.newBuilder().setResize(TerminalSize.newBuilder().setRows(24).setColumns(100000)).build());
    assertEquals(Status.Code.INVALID_ARGUMENT, CallRecorder.code(resized.next()));

    String done = conman.startShell(conman.name("done"), "true");
    conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(done).build());
    Client exited = Client.shell(done);
    assertEquals(Status.Code.FAILED_PRECONDITION, CallRecorder.code(exited.next()));
    conman.forceDelete(done);
    conman.forceDelete(id);
  }

  /** A user at a terminal ({@link Tmux}) types into bin/conmanctl exec -it and reads the screen. */
  @Test
  void execItGivesAShellAtATerminalAndReturnsItsExitStatus() throws Exception {
    String id = conman.startShell(conman.name("it"), "sleep 300");
    String command = conman.conmanctl() + " exec -it " + id + " -- /bin/sh; echo STATUS:$?; sleep 60";
    try (Tmux terminal = Tmux.start(command)) {
      terminal.awaitScreen("/ #"); // busybox's prompt
      terminal.type("tty", "Enter");
      terminal.awaitScreen("/dev/pts/");
      terminal.type("echo $((6*7))-$(stty size)", "Enter");
      terminal.awaitScreen("42-30 100"); // a terminal of tmux's size
      terminal.resize(90, 25);
      Thread.sleep(500);
      terminal.type("echo $((7*7))-$(stty size)", "Enter");
      terminal.awaitScreen("49-25 90"); // the window's new size followed
      terminal.type("sleep 100", "Enter");
      Thread.sleep(300);
      terminal.type("C-c"); // reaches the exec's shell, not conmanctl
      terminal.type("echo still-$((1+1))", "Enter");
      terminal.awaitScreen("still-2");
      terminal.type("exit 4", "Enter");
      terminal.awaitScreen("STATUS:4");
    } finally {
      conman.forceDelete(id);
    }
  }
}
