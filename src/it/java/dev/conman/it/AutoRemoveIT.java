package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.WaitCondition;
import dev.conman.api.v1.WaitContainerRequest;
import dev.conman.api.v1.WaitContainerResponse;
import com.google.common.util.concurrent.ListenableFuture;
import io.grpc.Status;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * auto_remove (docker run --rm) with real runc and conmon: the daemon deletes a container once it
 * has finished, a wait until removed asked before the start learns its exit code, and a container
 * that ended while the daemon was down is deleted by the restart's reconciliation. The history
 * says the daemon deleted it, and why.
 */
class AutoRemoveIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  @Test
  void theDaemonDeletesTheContainerOnceItHasExitedAndTheWaitLearnsTheExitCode() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String id = createAutoRemoved("three", "/bin/sh", "-c", "echo bye; exit 3");
    ListenableFuture<WaitContainerResponse> removed = waitUntilRemoved(id);
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());

    Container last = removed.get(30, TimeUnit.SECONDS).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_DELETED, last.getState(), () -> "last status: " + last);
    assertEquals(3, last.getExitCode());
    assertTrue(last.getAutoRemove());
    assertGone(daemon, id);
    List<String> types = history(id).stream().map(Event::getType).toList();
    assertEquals(List.of("exited", "delete_requested", "deleted"), types.subList(types.size() - 3, types.size()),
        () -> "history: " + types);
  }

  @Test
  void aWaitUntilRemovedThatComesAfterTheDeleteIsAnsweredFromTheJournalByFullId() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("gone");
    String id = createAutoRemoved("gone", "/bin/sh", "-c", "exit 4");
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    Support.await("the daemon's delete of " + id, Duration.ofSeconds(20), () -> Support.status(() -> daemon.runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()))
            .getCode() == Status.Code.NOT_FOUND);

    Container last = waitUntilRemoved(id).get(30, TimeUnit.SECONDS).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_DELETED, last.getState());
    assertEquals(4, last.getExitCode());
    Support.assertCode(Status.Code.NOT_FOUND, () -> daemon.runtime().waitContainer(WaitContainerRequest.newBuilder()
        .setRef(name).setCondition(WaitCondition.WAIT_CONDITION_REMOVED).build()));
    Support.assertCode(Status.Code.NOT_FOUND, () -> daemon.runtime().waitContainer(WaitContainerRequest.newBuilder()
        .setRef(id).build()));
    Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c",
        conman.conmanctl() + " container wait --until-removed " + id + "; echo status:$?");
    assertEquals("4\nstatus:4\n", cli.stdout(), cli::toString);
  }

  @Test
  void aContainerThatEndedWhileTheDaemonWasDownIsDeletedAtRestart() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String id = createAutoRemoved("later", "/bin/sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 5");
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    daemon.kill9();
    Files.createFile(conman.rootfs().resolve("tmp/go"));
    Support.await("conmon's exit file " + daemon.exitFile(id), Duration.ofSeconds(20),
        () -> Files.exists(daemon.exitFile(id)));
    daemon.restart();

    Support.await("the reconciliation's delete of " + id, Duration.ofSeconds(20),
        () -> daemon.runtime().listContainers(dev.conman.api.v1.ListContainersRequest.getDefaultInstance())
            .getContainersList().stream().noneMatch(c -> c.getId().equals(id)));
    assertGone(daemon, id);
    List<Event> history = history(id);
    Event exit = history.stream().filter(e -> e.getType().equals("reconciled")).findFirst().orElseThrow(
        () -> new AssertionError("the exit found at restart is journaled: " + history));
    assertEquals(5, exit.getExitCode());
    Event delete = history.stream().filter(e -> e.getType().equals("delete_requested")).findFirst().orElseThrow();
    assertTrue(delete.getReason().startsWith("auto_remove"), () -> "who deleted it, and why: " + delete);
    assertEquals("deleted", history.get(history.size() - 1).getType());
  }

  @Test
  void autoRemoveWithARestartPolicyIsInvalidAndAnUnknownWaitConditionToo() {
    ConmanDaemon daemon = conman.daemon();
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.runtime().createContainer(
        Support.create(conman.name("loop"), conman.rootfs(), "/bin/true").toBuilder().setAutoRemove(true)
            .setRestartPolicy("always").build()));
    String id = createAutoRemoved("idle", "/bin/true");
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.runtime().waitContainer(
        WaitContainerRequest.newBuilder().setRef(id).setConditionValue(7).build()));
    assertEquals(ContainerState.CONTAINER_STATE_CREATED, daemon.runtime().getContainer(
        GetContainerRequest.newBuilder().setRef(id).build()).getContainer().getState(),
        "never started: nothing to remove");
    daemon.runtime().deleteContainer(dev.conman.api.v1.DeleteContainerRequest.newBuilder().setRef(id).build());
  }

  private String createAutoRemoved(String name, String... command) {
    return conman.daemon().runtime().createContainer(Support.create(conman.name(name), conman.rootfs(), command)
        .toBuilder().setAutoRemove(true).build()).getContainer().getId();
  }

  @Test
  void conmanctlRunRmShowsTheOutputExitsWithTheCodeAndReturnsOnceTheContainerIsGone() {
    String name = conman.name("cli");
    Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " run --rm --image "
        + conman.rootfs() + " " + name + " -- /bin/sh -c 'echo out; echo err >&2; exit 3'");
    assertEquals(3, cli.exitCode(), cli::toString);
    assertEquals("out\n", cli.stdout(), cli::toString);
    assertEquals("err\n", cli.stderr(), cli::toString);
    Support.assertCode(Status.Code.NOT_FOUND, () -> conman.daemon().runtime().getContainer(
        GetContainerRequest.newBuilder().setRef(name).build()));
  }

  /**
   * A reader that pauses longer than the daemon's 10 s stall limit (a pager) loses nothing: conmanctl
   * reads ahead, so conmon's attach socket never waits for it.
   */
  @Test
  void aPausingReaderOfRunGetsAllTheOutput() {
    Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " run --rm --image "
        + conman.rootfs() + " " + conman.name("pager") + " -- /bin/busybox seq 1 1000000 | (sleep 12; wc -l)");
    assertEquals("1000000", cli.stdout().strip(), cli::toString);
    assertEquals("", cli.stderr(), cli::toString);
  }

  /** docker run's statuses for a command that cannot run: 127 not found, 126 not executable. */
  @Test
  void conmanctlRunOfACommandThatCannotRunExitsAsDockerRunDoes() {
    for (var command : java.util.Map.of("nope", 127, "/etc", 126).entrySet()) {
      Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " run --rm --image "
          + conman.rootfs() + " " + conman.name("cmd") + " -- " + command.getKey());
      assertEquals(command.getValue(), cli.exitCode(), cli::toString);
      assertTrue(cli.stderr().startsWith("conmanctl: INVALID_ARGUMENT: create of container "), cli::toString);
    }
  }

  /** docker run --rm: the daemon's delete does not depend on the client that asked for it. */
  @Test
  void aContainerOfConmanctlRunRmIsDeletedWhenItExitsAfterConmanctlWasKilled() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("orphan");
    Process cli = new ProcessBuilder("/bin/sh", "-c", "exec " + conman.conmanctl() + " run --rm --image "
        + conman.rootfs() + " " + name + " -- /bin/sh -c 'sleep 2; exit 5'")
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    try {
      Support.await(name + " running", Duration.ofSeconds(30), () -> daemon.runtime().listContainers(
          dev.conman.api.v1.ListContainersRequest.getDefaultInstance()).getContainersList().stream()
          .anyMatch(c -> c.getName().equals(name) && c.getState() == ContainerState.CONTAINER_STATE_RUNNING));
      String id = daemon.runtime().getContainer(GetContainerRequest.newBuilder().setRef(name).build())
          .getContainer().getId();
      // SIGKILL: conmanctl can neither delete nor say goodbye
      cli.destroyForcibly().waitFor(10, TimeUnit.SECONDS);

      Container last = waitUntilRemoved(id).get(30, TimeUnit.SECONDS).getContainer();
      assertEquals(ContainerState.CONTAINER_STATE_DELETED, last.getState(), () -> "last status: " + last);
      assertEquals(5, last.getExitCode());
      assertGone(daemon, id);
    } finally {
      cli.destroyForcibly();
    }
  }

  private ListenableFuture<WaitContainerResponse> waitUntilRemoved(String id) {
    return RuntimeServiceGrpc.newFutureStub(conman.daemon().channel()).withDeadlineAfter(60, TimeUnit.SECONDS)
        .waitContainer(WaitContainerRequest.newBuilder().setRef(id)
            .setCondition(WaitCondition.WAIT_CONDITION_REMOVED).build());
  }

  /** Not listed, not found, unknown to runc, its bundle and exit file gone. */
  private static void assertGone(ConmanDaemon daemon, String id) {
    Support.assertCode(Status.Code.NOT_FOUND,
        () -> daemon.runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()));
    assertFalse(daemon.runcContainers().contains(id), "runc no longer knows it");
    assertFalse(Files.exists(daemon.state().resolve("bundles").resolve(id)), "bundle removed");
    assertFalse(Files.exists(daemon.exitFile(id)), "exit file removed");
  }

  private List<Event> history(String id) {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
  }
}
