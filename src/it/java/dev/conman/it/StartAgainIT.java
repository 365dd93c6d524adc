package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.LogsRequest;
import dev.conman.api.v1.PauseContainerRequest;
import dev.conman.api.v1.RestartContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A finished container started again (docker start, podman start) and restart (docker restart),
 * with real runc and conmon: the command runs anew in a new init process, the logs go on, each run
 * is journaled, and a daemon restart finds the new run as journaled.
 */
class StartAgainIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  private Container get(String id) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  private Container start(String id) {
    return conman.daemon().runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
  }

  private Container waitFor(String id) {
    return conman.daemon().runtime().withDeadlineAfter(30, TimeUnit.SECONDS)
        .waitContainer(WaitContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  private Container restart(String id, int timeoutSeconds) {
    return conman.daemon().runtime().withDeadlineAfter(60, TimeUnit.SECONDS).restartContainer(
        RestartContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(timeoutSeconds).build()).getContainer();
  }

  private List<String> logLines(String id) {
    List<String> lines = new ArrayList<>();
    IoServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .logs(LogsRequest.newBuilder().setRef(id).build())
        .forEachRemaining(e -> lines.add(e.getData().toStringUtf8()));
    return lines;
  }

  private List<Event> history(String id) {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
  }

  private static List<String> types(List<Event> events) {
    return events.stream().map(Event::getType).toList();
  }

  @Test
  void anExitedContainerStartedAgainRunsItsCommandAnewAndItsLogsGoOn() {
    String name = conman.name("again");
    // counts its runs in the root filesystem, which a run again keeps
    String id = conman.startShell(name, "n=$(cat /tmp/" + name + " 2>/dev/null || echo 0); n=$((n+1)); "
        + "echo $n > /tmp/" + name + "; echo run$n; exit $n");
    assertEquals(1, waitFor(id).getExitCode());

    Container again = start(id);
    assertTrue(again.getState() == ContainerState.CONTAINER_STATE_RUNNING
        || again.getState() == ContainerState.CONTAINER_STATE_EXITED, again::toString);
    Container ended = waitFor(id);
    assertEquals(2, ended.getExitCode(), ended::toString);
    assertEquals(id, ended.getId());
    assertEquals(0, ended.getRestartCount(), "a user's start is not a restart of the policy");
    assertEquals(List.of("run1", "run2"), logLines(id));

    List<Event> events = history(id);
    List<String> runs = types(events).stream().filter(t -> t.equals("start_requested") || t.equals("started")
        || t.equals("exited")).toList();
    assertEquals(List.of("start_requested", "started", "exited", "start_requested", "started", "exited"), runs);
    List<Integer> pids = events.stream().filter(e -> e.getType().equals("started")).map(Event::getPid).toList();
    assertNotEquals(pids.get(0), pids.get(1), "a new init process: " + pids);
    assertEquals(List.of(id), conman.daemon().runcContainers(), "one runc container, created anew");
    conman.forceDelete(id);
  }

  @Test
  void restartStopsARunningContainerAndRunsItAgainAndADaemonRestartFindsTheNewRun() {
    String id = conman.startShell(conman.name("r"), "echo up; trap 'echo term; exit 0' TERM; "
        + "while :; do sleep 0.1; done");
    Support.await("up", Duration.ofSeconds(10), () -> logLines(id).contains("up"));
    int firstPid = get(id).getPid();

    Container running = restart(id, 20);
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, running.getState(), running::toString);
    assertNotEquals(firstPid, running.getPid());
    assertTrue(Support.processExists(running.getPid()));
    assertTrue(!Support.processExists(firstPid), "the first run's process is gone");
    Support.await("up again", Duration.ofSeconds(10), () -> logLines(id).equals(List.of("up", "term", "up")));
    List<String> types = types(history(id));
    int stop = types.indexOf("stop_requested");
    assertEquals(List.of("stop_requested", "exited", "start_requested", "started"), types.subList(stop, stop + 4));

    conman.daemon().kill9();
    conman.daemon().restart();
    Container after = get(id);
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, after.getState(), after::toString);
    assertEquals(running.getPid(), after.getPid());
    assertTrue(types(history(id)).stream().noneMatch("reconciled"::equals), "found as journaled");
    conman.forceDelete(id);
  }

  @Test
  void restartStartsACreatedContainerAndResumesAPausedOneToStopIt() {
    ConmanDaemon d = conman.daemon();
    String id = d.runtime().createContainer(Support.create(conman.name("c"), conman.rootfs(), "/bin/sleep", "300"))
        .getContainer().getId();
    Container started = restart(id, 0);
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, started.getState());
    assertTrue(types(history(id)).stream().noneMatch("stop_requested"::equals), "nothing to stop");

    d.runtime().pauseContainer(PauseContainerRequest.newBuilder().setRef(id).build());
    Container again = restart(id, 0);
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, again.getState(), again::toString);
    assertNotEquals(started.getPid(), again.getPid());
    List<String> types = types(history(id));
    assertTrue(types.contains("resumed") && types.contains("stop_requested"), types::toString);
    conman.forceDelete(id);
  }

  @Test
  void pruneRemovesWhatDoesNotRunAndLeavesWhatRuns() {
    ConmanDaemon d = conman.daemon();
    String exited = conman.startShell(conman.name("x"), "exit 2");
    waitFor(exited);
    String created = d.runtime().createContainer(Support.create(conman.name("n"), conman.rootfs(), "/bin/true"))
        .getContainer().getId();
    String running = conman.startShell(conman.name("r"), "sleep 300");
    Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " container prune --force");
    assertEquals(0, cli.exitCode(), cli::toString);
    assertEquals(java.util.Set.of(exited, created), java.util.Set.copyOf(cli.stdout().strip().lines().toList()),
        cli::toString);
    Support.assertCode(Status.Code.NOT_FOUND, () -> get(exited));
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, get(running).getState());
    Exec.Result unconfirmed = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c",
        conman.conmanctl() + " container prune < /dev/null");
    assertEquals(2, unconfirmed.exitCode(), unconfirmed::toString);
    conman.forceDelete(running);
  }

  @Test
  void whatCannotBeStartedAgainIsRefusedClearly() {
    String id = conman.start(CreateContainerRequest.newBuilder(Support.create(conman.name("rm"), conman.rootfs(),
        "/bin/sh", "-c", "exit 0")).setAutoRemove(true).build());
    Support.await("auto-removed", Duration.ofSeconds(10), () -> Support.status(() -> get(id)).getCode()
        == Status.Code.NOT_FOUND);
    Support.assertCode(Status.Code.NOT_FOUND, () -> start(id));
    String running = conman.startShell(conman.name("run"), "sleep 300");
    var refused = Support.assertCode(Status.Code.FAILED_PRECONDITION, () -> start(running));
    assertTrue(refused.getStatus().getDescription().contains("already running"), refused::getMessage);
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> conman.daemon().runtime().restartContainer(
        RestartContainerRequest.newBuilder().setRef(running).setTimeoutSeconds(-1).build()));
    Support.assertCode(Status.Code.NOT_FOUND, () -> restart("no-such-container", 0));
    String removable = conman.start(CreateContainerRequest.newBuilder(Support.create(conman.name("rmr"),
        conman.rootfs(), "/bin/sleep", "300")).setAutoRemove(true).build());
    var lost = Support.assertCode(Status.Code.FAILED_PRECONDITION, () -> restart(removable, 0));
    assertTrue(lost.getStatus().getDescription().contains("--rm"), lost::getMessage);
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, get(removable).getState(), "refused before the stop");
    conman.forceDelete(removable);
    conman.forceDelete(running);
  }
}
