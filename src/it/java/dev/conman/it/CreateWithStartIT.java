package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * CreateContainer with start (conmanctl run -d) with real runc and conmon: one call answers once
 * the container runs, the history shows the create and the start as two calls would, and a command
 * that cannot run is refused as a plain create's is, leaving nothing behind.
 */
class CreateWithStartIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  @Test
  void oneCallAnswersOnceTheContainerRunsAndTheHistoryShowsTheCreateAndTheStart() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    Container c = daemon.runtime().createContainer(Support.create(conman.name("one"), conman.rootfs(), "/bin/sleep", "100")
        .toBuilder().setStart(true).build()).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, c.getState(), c::toString);
    assertTrue(c.getPid() > 1 && Support.processExists(c.getPid()), () -> "a live pid: " + c);
    List<String> types = EventServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(c.getId()).build()).getEventsList().stream()
        .map(Event::getType).toList();
    assertEquals(List.of("create_requested", "created", "start_requested", "started"), types.subList(types.size() - 4,
        types.size()), () -> "history: " + types);

    daemon.runtime().stopContainer(StopContainerRequest.newBuilder().setRef(c.getId()).setTimeoutSeconds(0).build());
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).build());
  }

  @Test
  void aProcessThatEndsAtOnceIsWaitedForAsAfterAStart() {
    ConmanDaemon daemon = conman.daemon();
    Container c = daemon.runtime().createContainer(Support.create(conman.name("quick"), conman.rootfs(),
        "/bin/sh", "-c", "exit 3").toBuilder().setStart(true).build()).getContainer();
    assertTrue(c.getState() == ContainerState.CONTAINER_STATE_RUNNING || c.getState() == ContainerState.CONTAINER_STATE_EXITED,
        c::toString);
    Container done = daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(c.getId()).build())
        .getContainer();
    assertEquals(3, done.getExitCode(), done::toString);
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).build());
  }

  @Test
  void aCommandThatCannotRunIsRefusedAsByACreateAndLeavesNothing() {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("nope");
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> daemon.runtime().createContainer(
        Support.create(name, conman.rootfs(), "/bin/nope").toBuilder().setStart(true).build()));
    Support.assertCode(Status.Code.NOT_FOUND,
        () -> daemon.runtime().getContainer(GetContainerRequest.newBuilder().setRef(name).build()));
  }

  @Test
  void conmanctlRunDetachedPrintsTheIdOfARunningContainerAndWithRmTheDaemonDeletesIt() {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("cli");
    Exec.Result run = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " run -d --image "
        + conman.rootfs() + " " + name + " -- /bin/sleep 100");
    assertEquals(0, run.exitCode(), run::toString);
    String id = run.stdout().strip();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, daemon.runtime().getContainer(
        GetContainerRequest.newBuilder().setRef(id).build()).getContainer().getState());
    daemon.runtime().stopContainer(StopContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(0).build());
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());

    String gone = conman.name("rm");
    Exec.Result rm = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " run -d --rm --image "
        + conman.rootfs() + " " + gone + " -- /bin/true");
    assertEquals(0, rm.exitCode(), rm::toString);
    Support.await("the daemon's delete of " + gone, Duration.ofSeconds(20), () -> daemon.runtime()
        .listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
        .noneMatch(x -> x.getName().equals(gone)));
  }
}
