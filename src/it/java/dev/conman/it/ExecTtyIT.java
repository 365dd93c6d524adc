package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ExecInput;
import dev.conman.api.v1.ExecOutput;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.TerminalSize;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
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

  /** One Exec call: what arrived (output collected), and its end. */
  private static final class Client implements StreamObserver<ExecOutput> {
    final BlockingQueue<Object> arrivals = new LinkedBlockingQueue<>();
    final StringBuilder stdout = new StringBuilder();
    StreamObserver<ExecInput> in;

    static Client exec(ExecSpec spec) {
      Client c = new Client();
      c.in = IoServiceGrpc.newStub(conman.daemon().channel()).exec(c);
      c.in.onNext(ExecInput.newBuilder().setStart(spec).build());
      return c;
    }

    void type(String s) {
      in.onNext(ExecInput.newBuilder().setStdin(ByteString.copyFromUtf8(s)).build());
    }

    /** Collects output until {@code text} is in it. */
    void await(String text) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!stdout.toString().contains(text)) {
        Object o = arrivals.poll(100, TimeUnit.MILLISECONDS);
        if (o instanceof ExecOutput out && out.hasStdout()) {
          stdout.append(out.getStdout().toStringUtf8());
        } else if (o != null) {
          fail("waiting for '" + text + "', got " + o + " after output " + stdout);
        }
        if (System.nanoTime() > deadline) {
          fail("no '" + text + "' in the output within " + WAIT.toSeconds() + " s: " + stdout);
        }
      }
    }

    /** The next message that is not stdout, or the call's end. */
    Object next() throws InterruptedException {
      while (true) {
        Object o = arrivals.poll(WAIT.toSeconds(), TimeUnit.SECONDS);
        if (o == null) {
          return fail("nothing arrived within " + WAIT.toSeconds() + " s; output so far: " + stdout);
        }
        if (o instanceof ExecOutput out && out.hasStdout()) {
          stdout.append(out.getStdout().toStringUtf8());
          continue;
        }
        return o;
      }
    }

    @Override
    public void onNext(ExecOutput value) {
      arrivals.add(value);
    }

    @Override
    public void onError(Throwable t) {
      arrivals.add(t);
    }

    @Override
    public void onCompleted() {
      arrivals.add("completed");
    }
  }

  private static Status.Code code(Object end) {
    if (end instanceof StatusRuntimeException e) {
      return e.getStatus().getCode();
    }
    return fail("expected an error, got " + end);
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
    Client c = Client.exec(ExecSpec.newBuilder().setRef(id).addCommand("/bin/sh").setTty(true)
        .setSize(TerminalSize.newBuilder().setRows(30).setColumns(100)).build());
    c.type("tty; stty size\n");
    c.await("30 100");
    assertTrue(c.stdout.toString().contains("/dev/pts/"), c.stdout::toString);
    assertTrue(c.stdout.toString().contains("\r\n"), "a terminal's line endings");
    c.in.onNext(ExecInput.newBuilder().setResize(TerminalSize.newBuilder().setRows(20).setColumns(70)).build());
    c.type("stty size\n");
    c.await("20 70");
    c.in.onNext(ExecInput.newBuilder().setCloseStdin(true).build()); // ignored: the shell reads on
    c.type("sleep 100\n");
    Thread.sleep(300);
    c.type("\u0003"); // Ctrl-C: the terminal interrupts the sleep, not the shell
    c.type("echo after-$((2+3))\n");
    c.await("after-5");
    c.type("exit 4\n");
    Object end = c.next();
    assertEquals(4, ((ExecOutput) end).getExitCode(), () -> end + " after " + c.stdout);
    assertEquals("completed", c.next());
    List<Event> history = EventServiceGrpc.newBlockingStub(conman.daemon().channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS).history(HistoryRequest.newBuilder().setRef(id).build())
        .getEventsList();
    List<String> types = history.stream().map(Event::getType).toList();
    assertTrue(types.contains("exec_started") && types.contains("exec_exited"), types::toString);
    conman.forceDelete(id);
  }

  @Test
  void refusalsHaveClearStatuses() throws Exception {
    String id = conman.startShell(conman.name("ref"), "sleep 300");
    Client big = Client.exec(ExecSpec.newBuilder().setRef(id).addCommand("/bin/sh").setTty(true)
        .setSize(TerminalSize.newBuilder().setRows(70000).setColumns(80)).build());
    assertEquals(Status.Code.INVALID_ARGUMENT, code(big.next()));

    Client resized = Client.exec(ExecSpec.newBuilder().setRef(id).addCommand("/bin/sh").setTty(true).build());
    resized.type("echo ready\n");
    resized.await("ready");
    resized.in.onNext(ExecInput.newBuilder().setResize(TerminalSize.newBuilder().setRows(24).setColumns(100000)).build());
    assertEquals(Status.Code.INVALID_ARGUMENT, code(resized.next()));

    String done = conman.startShell(conman.name("done"), "true");
    conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(done).build());
    Client exited = Client.exec(ExecSpec.newBuilder().setRef(done).addCommand("/bin/sh").setTty(true).build());
    assertEquals(Status.Code.FAILED_PRECONDITION, code(exited.next()));
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
