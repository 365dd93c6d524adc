package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.conman.api.v1.AttachInput;
import dev.conman.api.v1.AttachOutput;
import dev.conman.api.v1.AttachSpec;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.StreamObserver;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Attach to containers' stdio through conmon's attach socket, with real runc and conmon: output,
 * stdin, detach keys, two clients at once, the journaled attached/detached events, the refusals,
 * and a terminal session typed through tmux into bin/conmanctl run -it.
 */
class AttachIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  private static final Duration WAIT = Duration.ofSeconds(20);

  /** One Attach call as a test sees it, and its stdin. */
  private static final class Client extends CallRecorder<AttachOutput> {
    StreamObserver<AttachInput> in;

    Client() {
      super(o -> o.hasStdout() ? o.getStdout() : null, o -> o.hasStderr() ? o.getStderr() : null);
    }

    static Client attach(AttachSpec spec) {
      Client c = new Client();
      c.in = IoServiceGrpc.newStub(conman.daemon().channel()).attach(c);
      c.in.onNext(AttachInput.newBuilder().setStart(spec).build());
      return c;
    }

    void send(String s) {
      in.onNext(AttachInput.newBuilder().setStdin(ByteString.copyFrom(s, StandardCharsets.UTF_8)).build());
    }

    void send(byte... bytes) {
      in.onNext(AttachInput.newBuilder().setStdin(ByteString.copyFrom(bytes)).build());
    }
  }

  private static ContainerState state(String id) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build())
        .getContainer().getState();
  }

  @Test
  void twoClientsSeeTheOutputStdinReachesTheContainerAndADetachLeavesItRunning() throws Exception {
    String id = conman.start(Support.create(conman.name("loop"), conman.rootfs(), "/bin/sh", "-c",
        "while read line; do echo got:$line; echo err:$line >&2; done; echo stdin-closed").toBuilder()
        .setStdin(true).build());
    Client writer = Client.attach(AttachSpec.newBuilder().setRef(id).setStdin(true).build());
    Client watcher = Client.attach(AttachSpec.newBuilder().setRef(id).build());
    assertTrue(((AttachOutput) writer.next()).getAttached());
    assertTrue(((AttachOutput) watcher.next()).getAttached());

    writer.send("hello\n");
    writer.awaitOutput("got:hello");
    watcher.awaitOutput("got:hello");
    Support.await("stderr, a stream of its own", WAIT, () -> {
      watcher.arrivals.stream().filter(o -> o instanceof AttachOutput out && out.hasStderr())
          .findFirst().ifPresent(o -> watcher.stderr.append("seen"));
      return watcher.stderr.length() > 0;
    });
    assertFalse(watcher.stdout.toString().contains("err:"), "stderr never arrives as stdout");

    writer.send("a\u0010");       // ctrl-p held back ...
    writer.send("b\n");           // ... and forwarded: it was not the sequence
    watcher.awaitOutput("got:a\u0010b");
    writer.send((byte) 16, (byte) 17); // ctrl-p ctrl-q
    Object detached = writer.next();
    assertTrue(detached instanceof AttachOutput o && o.getDetached(), () -> "expected detached, got " + detached);
    assertEquals("completed", writer.next());

    Thread.sleep(300);
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, state(id), "a detach never stops the container");
    assertFalse(watcher.stdout.toString().contains("stdin-closed"), "stdin stays open after a detach");

    Client again = Client.attach(AttachSpec.newBuilder().setRef(id).setStdin(true).build());
    assertTrue(((AttachOutput) again.next()).getAttached());
    again.send("second\n");
    watcher.awaitOutput("got:second");

    conman.daemon().runtime().killContainer(KillContainerRequest.newBuilder().setRef(id).setSignal("SIGKILL").build());
    Object exited = watcher.next();
    assertTrue(exited instanceof AttachOutput o && o.hasExited() && o.getExited().getExitCode() == 137,
        () -> "expected exited 137, got " + exited);

    Support.await("detached journaled for all three", WAIT, () -> types(id).stream()
        .filter("detached"::equals).count() == 3);
    List<String> types = types(id);
    assertEquals(3, types.stream().filter("attached"::equals).count(), types::toString);
    List<Event> history = history(id);
    assertTrue(history.stream().anyMatch(e -> e.getType().equals("detached") && e.getReason().equals("detach keys")),
        history::toString);
    assertTrue(history.stream().anyMatch(e -> e.getType().equals("attached") && e.getStdin()), history::toString);
    conman.forceDelete(id);
  }

  @Test
  void stdinOnceClosesTheContainersStdinWhenTheClientClosesIt() throws Exception {
    ConmanDaemon d = conman.daemon();
    String id = d.runtime().createContainer(Support.create(conman.name("once"), conman.rootfs(), "/bin/cat")
        .toBuilder().setStdin(true).setStdinOnce(true).build()).getContainer().getId();
    Client c = Client.attach(AttachSpec.newBuilder().setRef(id).setStdin(true).build());
    assertTrue(((AttachOutput) c.next()).getAttached(), "a CREATED container can be attached before start");
    d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    c.send("piped\n");
    c.awaitOutput("piped");
    c.in.onNext(AttachInput.newBuilder().setCloseStdin(true).build());
    Object exited = c.next();
    assertTrue(exited instanceof AttachOutput o && o.hasExited() && o.getExited().getExitCode() == 0,
        () -> "cat ends at EOF: expected exited 0, got " + exited);
    conman.forceDelete(id);
  }

  @Test
  void refusalsHaveClearStatuses() throws Exception {
    ConmanDaemon d = conman.daemon();
    assertEquals(Status.Code.NOT_FOUND, CallRecorder.code(Client.attach(AttachSpec.newBuilder().setRef("no-such-container").build()).next()));

    String quiet = conman.start(Support.create(conman.name("quiet"), conman.rootfs(), "/bin/sleep", "100"));
    Status.Code noStdin = CallRecorder.code(Client.attach(AttachSpec.newBuilder().setRef(quiet).setStdin(true).build()).next());
    assertEquals(Status.Code.FAILED_PRECONDITION, noStdin, "stdin to a container created without --stdin");
    Object badKeys = Client.attach(AttachSpec.newBuilder().setRef(quiet).setDetachKeys("ctrl-1").build()).next();
    assertEquals(Status.Code.INVALID_ARGUMENT, CallRecorder.code(badKeys));
    assertTrue(((StatusRuntimeException) badKeys).getStatus().getDescription().contains("ctrl-1"));
    conman.forceDelete(quiet);

    String done = conman.start(Support.create(conman.name("done"), conman.rootfs(), "/bin/true"));
    d.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(done).build());
    assertEquals(Status.Code.FAILED_PRECONDITION, CallRecorder.code(Client.attach(AttachSpec.newBuilder().setRef(done).build()).next()));
    conman.forceDelete(done);
  }

  /** A user at a terminal ({@link Tmux}) types into bin/conmanctl run -it and reads the screen. */
  @Test
  void runItGivesAShellAtATerminalAndReturnsItsExitStatus() throws Exception {
    String name = conman.name("sh");
    String command = conman.conmanctl() + " run -it --rm --image " + conman.rootfs() + " " + name
        + " -- /bin/sh; echo STATUS:$?; sleep 60";
    try (Tmux terminal = Tmux.start(command)) {
      terminal.awaitScreen("/ #"); // busybox's prompt
      terminal.type("echo $((6*7))-$(stty size)", "Enter");
      terminal.awaitScreen("42-30 100"); // the command ran, in a terminal of tmux's size
      terminal.type("sleep 100", "Enter");
      Thread.sleep(300);
      terminal.type("C-c");   // Ctrl-C reaches the container's shell, not conmanctl
      terminal.type("echo still-$((1+1))", "Enter");
      terminal.awaitScreen("still-2");
      terminal.type("exit 3", "Enter");
      terminal.awaitScreen("STATUS:3");
      Support.await("--rm deleted the container", WAIT, () -> conman.daemon().runtime().listContainers(
          dev.conman.api.v1.ListContainersRequest.getDefaultInstance()).getContainersList().stream()
          .noneMatch(c -> c.getName().equals(name)));
    }
  }

  private static List<Event> history(String id) {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
  }

  private static List<String> types(String id) {
    return history(id).stream().map(Event::getType).toList();
  }
}
