package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Stop sends SIGTERM, waits the timeout, then SIGKILL. Note that a pid namespace's init ignores
 * signals it installs no handler for, so both containers here run a shell that decides what
 * SIGTERM does.
 */
class StopIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  @Test
  void stopKillsAfterTimeoutWhenSigtermIsIgnored() {
    String id = started(conman.name("stubborn"), "trap '' TERM; while true; do sleep 1; done");

    long t0 = System.nanoTime();
    Container c = conman.daemon().runtime().stopContainer(
        StopContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(2).build()).getContainer();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);

    assertEquals(ContainerState.CONTAINER_STATE_EXITED, c.getState(), () -> "after stop: " + c);
    assertEquals(137, c.getExitCode(), "killed by SIGKILL (128 + 9)");
    assertTrue(elapsed.toMillis() >= 2000, "SIGKILL only after the 2 s timeout, but stop returned after " + elapsed);
    assertTrue(elapsed.toMillis() < 10_000, "stop should return soon after the timeout, took " + elapsed);
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, get(id).getState());
    delete(id);
  }

  @Test
  void stopIsGracefulWhenTheProcessHandlesSigterm() {
    String id = started(conman.name("polite"), "trap 'exit 143' TERM; while true; do sleep 0.2; done");

    long t0 = System.nanoTime();
    Container c = conman.daemon().runtime().stopContainer(
        StopContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(10).build()).getContainer();
    Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);

    assertEquals(ContainerState.CONTAINER_STATE_EXITED, c.getState(), () -> "after stop: " + c);
    assertEquals(143, c.getExitCode(), "the container's own exit code from its SIGTERM handler");
    assertTrue(c.hasFinishedAt(), "finished time set");
    assertTrue(elapsed.toMillis() < 5_000, "a graceful stop must not wait for the 10 s timeout, took " + elapsed);
    delete(id);
  }

  @Test
  void killDeliversTheSignalAndTheExitIsNoticed() {
    String id = started(conman.name("signalled"), "trap 'exit 143' TERM; while true; do sleep 0.2; done");
    conman.daemon().runtime().killContainer(KillContainerRequest.newBuilder().setRef(id).setSignal("TERM").build());
    Container c = conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, c.getState());
    assertEquals(143, c.getExitCode());
    delete(id);
  }

  private static String started(String name, String script) {
    String id = conman.daemon().runtime().createContainer(Support.create(name, conman.rootfs(), "/bin/sh", "-c", script))
        .getContainer().getId();
    Container c = conman.daemon().runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, c.getState());
    // let the shell install its trap before the signal comes
    ConmanDaemon.sleep(300);
    return id;
  }

  private static Container get(String id) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  private static void delete(String id) {
    conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
  }
}
