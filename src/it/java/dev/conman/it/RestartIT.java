package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * After a SIGKILL and restart the daemon picks up where it was: a created container can still be
 * started, a running one's later exit is still noticed, exec and attach sessions the killed daemon
 * served are journaled as ended, and a runc container it never made is reported and left alone.
 */
class RestartIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  @Test
  void createdContainerCanBeStartedAfterRestart() {
    ConmanDaemon daemon = conman.daemon();
    Container created = daemon.runtime().createContainer(Support.create(conman.name("later"), conman.rootfs(),
        "/bin/sh", "-c", "exit 3")).getContainer();
    daemon.kill9();
    daemon.restart();

    Container c = get(created.getId());
    assertEquals(ContainerState.CONTAINER_STATE_CREATED, c.getState(), () -> "after restart: " + c);
    assertEquals(created.getPid(), c.getPid(), "same init pid");
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(c.getName()).build());
    Container done = daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(c.getId()).build())
        .getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, done.getState());
    assertEquals(3, done.getExitCode());
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).build());
  }

  @Test
  void exitAfterRestartIsNoticed() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    // the container ends when the test says so: the rootfs is a host directory, /tmp in it too
    Path go = conman.rootfs().resolve("tmp/go");
    String id = daemon.runtime().createContainer(Support.create(conman.name("later"), conman.rootfs(),
        "/bin/sh", "-c", "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 5")).getContainer().getId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    daemon.kill9();
    daemon.restart();

    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, get(id).getState(), "still running after the restart");
    Files.createFile(go);
    Container done = daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, done.getState());
    assertEquals(5, done.getExitCode(), "the exit of a container started by the previous daemon is noticed");
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
  }

  /**
   * An exec session lives as long as the daemon that runs it: the next daemon kills what is left of
   * it and journals its end, so that the history does not show a session that never ended.
   */
  @Test
  void anExecSessionCutShortByARestartIsEndedAndJournaled() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String id = conman.startShell(conman.name("host"), "sleep 300");
    Process cli = conmanctl("exec " + id + " -- sleep 1093");
    try {
      Support.await("the exec's process running", Duration.ofSeconds(30), () -> sleepers("1093") == 1);
      daemon.kill9();
      assertEquals(1, sleepers("1093"), "an exec's process outlives its daemon");
      daemon.restart();

      Support.await("the exec's process killed", Duration.ofSeconds(20), () -> sleepers("1093") == 0);
      Event ended = awaitEvent(id, "exec_exited");
      assertEquals(first(id, "exec_started").orElseThrow().getExecId(), ended.getExecId(),
          () -> "history: " + history(id));
      assertFalse(ended.hasExitCode(), "nobody saw the process end with a code");
      assertTrue(ended.getReason().contains("was killed"), ended::getReason);
      assertEquals(ContainerState.CONTAINER_STATE_RUNNING, get(id).getState(), "the container itself runs on");
      assertEquals(List.of(), Files.list(daemon.state().resolve("conmon"))
          .map(p -> p.getFileName().toString()).filter(n -> n.contains(".exec-")).toList(), "no pid file left");
    } finally {
      cli.destroyForcibly();
      daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
    }
  }

  /** An attach session ends with the daemon serving it: the next daemon journals its end. */
  @Test
  void anAttachSessionCutShortByARestartIsJournaledAsEnded() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String id = conman.startShell(conman.name("watched"), "sleep 300");
    Process cli = conmanctl("attach --no-stdin " + id);
    try {
      awaitEvent(id, "attached");
      daemon.kill9();
      daemon.restart();

      Event detached = awaitEvent(id, "detached");
      assertEquals(first(id, "attached").orElseThrow().getAttachId(), detached.getAttachId(),
          () -> "history: " + history(id));
      assertTrue(detached.getReason().contains("daemon serving it stopped"), detached::getReason);
      assertEquals(ContainerState.CONTAINER_STATE_RUNNING, get(id).getState(), "the container runs on");
    } finally {
      cli.destroyForcibly();
      daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
    }
  }

  /** Processes on the host whose command line is {@code sleep SECONDS}. */
  private static long sleepers(String seconds) {
    try (var procs = Files.list(Path.of("/proc"))) {
      return procs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit))
          .filter(p -> read(p.resolve("cmdline")).equals("sleep\0" + seconds + "\0")).count();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** bin/conmanctl ARGS in the background, its output discarded: a client the daemon's kill cuts off. */
  private Process conmanctl(String args) throws java.io.IOException {
    return new ProcessBuilder("/bin/sh", "-c", "exec " + conman.conmanctl() + " " + args)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).redirectError(ProcessBuilder.Redirect.DISCARD).start();
  }

  /** The container's first event of this type, waited for until journaled. */
  private Event awaitEvent(String id, String type) {
    Support.await(type + " journaled", Duration.ofSeconds(30), () -> first(id, type).isPresent());
    return first(id, type).orElseThrow();
  }

  private java.util.Optional<Event> first(String id, String type) {
    return history(id).stream().filter(e -> e.getType().equals(type)).findFirst();
  }

  private List<Event> history(String id) {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
  }

  /** What the failed creates of daemons before session 12 left in the state directory goes at a start. */
  @Test
  void conmonFilesOfAFailedCreateAreRemovedAtTheStart() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    Path conmonDir = daemon.state().resolve("conmon");
    String id = "f".repeat(64);
    List<Path> leftovers = List.of(conmonDir.resolve(id + ".create.json"),
        conmonDir.resolve(id + ".conmon.log"), conmonDir.resolve(id + ".conmon.pid"), conmonDir.resolve(id + ".pid"));
    for (Path file : leftovers) {
      Files.writeString(file, "1");
    }
    Files.createDirectory(conmonDir.resolve(id + ".persist"));
    String live = conman.startShell(conman.name("live"), "sleep 300");
    daemon.kill9();
    daemon.restart();
    for (Path file : leftovers) {
      assertFalse(Files.exists(file), file + " is gone");
    }
    assertFalse(Files.exists(conmonDir.resolve(id + ".persist")));
    assertTrue(Files.exists(conmonDir.resolve(live + ".conmon.pid")), "a live container's stay");
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, daemon.runtime().getContainer(
        GetContainerRequest.newBuilder().setRef(live).build()).getContainer().getState());
    conman.forceDelete(live);
  }

  @Test
  void runcContainerUnknownToTheJournalIsReportedAndLeftAlone() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String orphan = conman.name("orphan");
    Path bundle = Files.createDirectory(daemon.dir().resolve("orphan-bundle"));
    Files.writeString(bundle.resolve("config.json"), orphanConfig(conman.rootfs()));
    daemon.kill9();
    ProcessBuilder create = ConmanDaemon.processBuilder(List.of("runc", "--root", daemon.runcRoot().toString(),
            "create", "--bundle", bundle.toString(), orphan))
        // the container's init inherits these: files, so that nothing waits for it to close a pipe
        .redirectOutput(bundle.resolve("runc.out").toFile())
        .redirectError(bundle.resolve("runc.err").toFile());
    Process p = create.start();
    assertTrue(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "runc create finished");
    assertEquals(0, p.exitValue(), () -> "runc create: " + read(bundle.resolve("runc.err")));
    try {
      daemon.restart();

      Support.await("the orphan warning in the daemon log", Duration.ofSeconds(10),
          () -> read(daemon.log()).lines().anyMatch(l -> l.contains(orphan) && l.contains("WARN")));
      assertTrue(daemon.runcContainers().contains(orphan), "left alone");
      // the warning is logged as the event is persisted: the journal may lag it by a moment
      Support.await("the finding journaled as an event too", Duration.ofSeconds(10),
          () -> Support.journalManifestsOf(daemon.database(), "supervisor").stream().anyMatch(m -> m.contains("Orphan")));
      assertEquals(List.of(), daemon.runtime().listContainers(ListContainersRequest.getDefaultInstance())
          .getContainersList(), "not adopted as a conman container");
    } finally {
      Exec.run(Duration.ofSeconds(30), "runc", "--root", daemon.runcRoot().toString(), "delete", "--force", orphan);
    }
  }

  private static String orphanConfig(Path rootfs) {
    // the smallest OCI config runc accepts for a busybox sleep: own pid, mount, ipc, uts namespaces
    return """
        {"ociVersion": "1.0.2",
         "process": {"terminal": false, "user": {"uid": 0, "gid": 0}, "args": ["/bin/sleep", "100"],
                     "env": ["PATH=/bin"], "cwd": "/"},
         "root": {"path": "%s", "readonly": true},
         "mounts": [{"destination": "/proc", "type": "proc", "source": "proc"}],
         "linux": {"namespaces": [{"type": "pid"}, {"type": "mount"}, {"type": "ipc"}, {"type": "uts"}]}}
        """.formatted(rootfs.toString());
  }

  private Container get(String ref) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(ref).build()).getContainer();
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (java.io.IOException e) {
      return "";
    }
  }
}
