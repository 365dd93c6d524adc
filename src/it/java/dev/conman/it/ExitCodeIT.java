package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The exit code a user sees is the container's real one: while the daemon watches, when the
 * container ended while the daemon was down (read from conmon's exit file at restart and journaled
 * as a Reconciled event), and explicitly unknown when the shim died with the container.
 */
class ExitCodeIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  @Test
  void exitCodeSevenWhileDaemonWatches() {
    ConmanDaemon daemon = conman.daemon();
    String id = daemon.runtime().createContainer(
        Support.create(conman.name("seven"), conman.rootfs(), "/bin/sh", "-c", "exit 7")).getContainer().getId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());

    Container c = daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build()).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, c.getState());
    assertTrue(c.hasExitCode(), "exit code known");
    assertEquals(7, c.getExitCode());
    assertTrue(c.hasFinishedAt(), "finished time set");
    assertEquals(0, c.getPid(), "no pid once exited");

    Container again = get(id);
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, again.getState());
    assertEquals(7, again.getExitCode());
    // the delete of a stopped container, made without runc, removes what runc delete would
    List<java.nio.file.Path> cgroups = cgroupDirs(id);
    assertFalse(cgroups.isEmpty(), "the container's cgroup, /conman/<id> in each hierarchy");
    assertTrue(Files.isDirectory(daemon.runcRoot().resolve(id)));
    delete(id);
    assertEquals(List.of(), cgroupDirs(id), "cgroup directories left");
    assertFalse(Files.exists(daemon.runcRoot().resolve(id)), "runc's directory left");
  }

  private static List<java.nio.file.Path> cgroupDirs(String id) {
    try (var hierarchies = Files.list(java.nio.file.Path.of("/sys/fs/cgroup"))) {
      return hierarchies.map(h -> h.resolve("conman").resolve(id)).filter(Files::isDirectory).toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  @Test
  void exitCodeSevenWhileDaemonIsDown() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    // the container ends when the test says so (the rootfs, /tmp included, is a host directory)
    String id = daemon.runtime().createContainer(Support.create(conman.name("seven"), conman.rootfs(),
        "/bin/sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 7")).getContainer().getId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    daemon.kill9();
    assertFalse(Files.exists(daemon.exitFile(id)), "still running when the daemon died");
    Files.createFile(conman.rootfs().resolve("tmp/go"));

    Support.await("conmon's exit file " + daemon.exitFile(id), Duration.ofSeconds(20),
        () -> Files.exists(daemon.exitFile(id)));
    daemon.restart();

    Container c = get(id);
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, c.getState(), () -> "after restart: " + c);
    assertTrue(c.hasExitCode(), () -> "exit code known from the exit file: " + c);
    assertEquals(7, c.getExitCode());
    assertTrue(c.hasFinishedAt(), "finished time set");

    List<String> events = Support.journalManifests(daemon.database(), id);
    assertTrue(events.stream().anyMatch(m -> m.contains("Reconciled")),
        () -> "the correction found at restart must be journaled as a Reconciled event; journal of " + id + ": " + events);
    delete(id);
  }

  @Test
  void shimDiedWithContainerWhileDaemonIsDown() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String id = daemon.runtime().createContainer(Support.create(conman.name("orphan"), conman.rootfs(),
        "/bin/sleep", "100")).getContainer().getId();
    Container running = daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
    long pid = running.getPid();
    assertTrue(pid > 1 && Support.processExists(pid), () -> "running with a pid: " + running);
    long conmon = Long.parseLong(Files.readString(daemon.conmonPidFile(id)).strip());
    assertTrue(ConmanDaemon.isConmon(conmon), "pid file names a conmon: " + conmon);

    daemon.kill9();
    // the shim first, so that nobody is left to write the exit file; then the container
    killAndAwait(conmon);
    killAndAwait(pid);
    assertFalse(Files.exists(daemon.exitFile(id)), "no exit file when the shim died first");
    daemon.restart();

    Container c = get(id);
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, c.getState(), () -> "after restart: " + c);
    assertFalse(c.hasExitCode(), () -> "the exit code is unknown, never made up (got " + c.getExitCode() + ")");
    assertNotEquals("", c.getMessage(), "a message says why the exit code is unknown");
    List<String> events = Support.journalManifests(daemon.database(), id);
    assertTrue(events.stream().anyMatch(m -> m.contains("Reconciled")), () -> "journal of " + id + ": " + events);
    delete(id);
  }

  private static void killAndAwait(long pid) {
    ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
    Support.await("process " + pid + " to end", Duration.ofSeconds(10), () -> !alive(pid));
  }

  /** Gone, or a zombie nobody has reaped yet (it no longer runs). */
  private static boolean alive(long pid) {
    try {
      String stat = Files.readString(java.nio.file.Path.of("/proc", Long.toString(pid), "stat"));
      return !stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private Container get(String id) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  private void delete(String id) {
    conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
  }
}
