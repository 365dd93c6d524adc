package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.PauseContainerRequest;
import dev.conman.api.v1.ResumeContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import io.grpc.Status;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Pause and resume with real runc and conmon: the cgroup freezer stops a counting process until
 * it is resumed; a stop and a forced delete of a paused container resume it, so that it can end; a
 * restart finds the pause as journaled, and journals a pause or resume done with runc by hand.
 */
class PauseIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  /** A container that counts up in /tmp/NAME every 50 ms; its id. */
  private String counter(String name) {
    String id = conman.startShell(name, "i=0; while :; do i=$((i+1)); echo $i > /tmp/" + name + "; sleep 0.05; done");
    Support.await(name + " counting", Duration.ofSeconds(10), () -> count(name) > 0);
    return id;
  }

  private long count(String name) {
    try {
      String text = Files.readString(conman.rootfs().resolve("tmp").resolve(name)).strip();
      return text.isEmpty() ? 0 : Long.parseLong(text);
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
  }

  private ContainerState state(String id) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build())
        .getContainer().getState();
  }

  private String runcStatus(String id) {
    Exec.Result r = Exec.run(Duration.ofSeconds(30), "runc", "--root", conman.daemon().runcRoot().toString(),
        "state", id);
    int at = r.stdout().indexOf("\"status\": \"");
    return at < 0 ? r.toString() : r.stdout().substring(at + 11, r.stdout().indexOf('"', at + 11));
  }

  private void runc(String command, String id) {
    Exec.Result r = Exec.run(Duration.ofSeconds(30), "runc", "--root", conman.daemon().runcRoot().toString(),
        command, id);
    assertEquals(0, r.exitCode(), r::toString);
  }

  private List<Event> history(String id) {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel())
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
  }

  @Test
  void aPausedContainerDoesNotRunUntilResumed() throws Exception {
    String name = conman.name("count");
    String id = counter(name);
    Container paused = conman.daemon().runtime().pauseContainer(PauseContainerRequest.newBuilder().setRef(name).build())
        .getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_PAUSED, paused.getState());
    assertEquals("paused", runcStatus(id));
    long frozenAt = count(name);
    Thread.sleep(500);
    assertEquals(frozenAt, count(name), "no step while frozen");
    assertTrue(conman.daemon().runtime().containerProcesses(dev.conman.api.v1.ContainerProcessesRequest.newBuilder()
        .setRef(id).build()).getProcessesCount() >= 1, "top shows the frozen processes, as docker top does");
    Support.assertCode(Status.Code.FAILED_PRECONDITION, () -> conman.daemon().runtime().pauseContainer(
        PauseContainerRequest.newBuilder().setRef(id).build()));

    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, conman.daemon().runtime().resumeContainer(
        ResumeContainerRequest.newBuilder().setRef(id).build()).getContainer().getState());
    Support.await("counting again", Duration.ofSeconds(10), () -> count(name) > frozenAt);
    assertEquals("running", runcStatus(id));
    List<String> types = history(id).stream().map(Event::getType).toList();
    assertEquals(List.of("paused", "resumed"), types.subList(types.size() - 2, types.size()));
    conman.forceDelete(id);
  }

  @Test
  void aStopOfAPausedContainerResumesItSoThatItCanActOnSigterm() {
    String id = conman.startShell(conman.name("trap"), "trap 'exit 7' TERM; while :; do sleep 0.1; done");
    conman.daemon().runtime().pauseContainer(PauseContainerRequest.newBuilder().setRef(id).build());
    long start = System.nanoTime();
    Container stopped = conman.daemon().runtime().stopContainer(StopContainerRequest.newBuilder().setRef(id)
        .setTimeoutSeconds(20).build()).getContainer();
    assertEquals(7, stopped.getExitCode(), "its TERM trap ran: " + stopped);
    assertTrue(System.nanoTime() - start < Duration.ofSeconds(10).toNanos(), "no wait for the timeout");
    List<Event> events = history(id);
    List<String> types = events.stream().map(Event::getType).toList();
    assertEquals(List.of("stop_requested", "resumed", "exited"), types.subList(types.size() - 3, types.size()));
    assertTrue(events.get(events.size() - 2).getReason().contains("resumed so that"), events::toString);
    conman.forceDelete(id);
  }

  @Test
  void aForcedDeleteOfAPausedContainerLeavesNothing() {
    String id = conman.startShell(conman.name("gone"), "exec sleep 300");
    conman.daemon().runtime().pauseContainer(PauseContainerRequest.newBuilder().setRef(id).build());
    Support.assertCode(Status.Code.FAILED_PRECONDITION, () -> conman.daemon().runtime().deleteContainer(
        dev.conman.api.v1.DeleteContainerRequest.newBuilder().setRef(id).build()));
    conman.forceDelete(id);
    Support.assertCode(Status.Code.NOT_FOUND, () -> state(id));
    assertTrue(!conman.daemon().runcContainers().contains(id), "runc no longer knows it");
    List<String> types = history(id).stream().map(Event::getType).toList();
    assertEquals(List.of("delete_requested", "exited", "deleted"), types.subList(types.size() - 3, types.size()));
  }

  @Test
  void aRestartKeepsThePauseAndJournalsWhatWasDoneWithRuncByHand() throws Exception {
    String name = conman.name("hand");
    String id = counter(name);
    conman.daemon().runtime().pauseContainer(PauseContainerRequest.newBuilder().setRef(id).build());
    conman.daemon().kill9();
    conman.daemon().restart();
    assertEquals(ContainerState.CONTAINER_STATE_PAUSED, state(id), "as journaled");

    conman.daemon().kill9();
    runc("resume", id);
    conman.daemon().restart();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, state(id));
    Event resumed = history(id).get(history(id).size() - 1);
    assertEquals("reconciled", resumed.getType());
    assertEquals(ContainerState.CONTAINER_STATE_PAUSED, resumed.getFromState());

    conman.daemon().kill9();
    runc("pause", id);
    conman.daemon().restart();
    assertEquals(ContainerState.CONTAINER_STATE_PAUSED, state(id));
    Event paused = history(id).get(history(id).size() - 1);
    assertEquals(ContainerState.CONTAINER_STATE_PAUSED, paused.getToState(), paused::toString);
    conman.forceDelete(id);
  }
}
