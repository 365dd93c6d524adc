package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The daemon's own boundaries: its socket (mode 0660, its group, never through a world-writable
 * directory or a symlink, a stale one replaced, a live one respected), its journal (a damaged or
 * truncated file stops it with a message that says what to do, never an empty start), and a
 * graceful SIGTERM (exit 0, socket removed, containers keep running and are found again).
 */
class DaemonBoundariesIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  private static final int CONTAINERS = 5;
  private static final Duration REFUSAL = Duration.ofSeconds(15);

  // ------------------------------------------------------------------ the socket

  @Test
  void socketIsCreatedWithMode0660() throws IOException {
    PosixFileAttributes a = attributes(conman.daemon().socket());
    assertTrue(a.isOther(), "a socket");
    assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
    assertEquals("root", a.group().getName(), "root's group by default");
  }

  @Test
  void socketBelongsToTheConfiguredGroup() throws IOException {
    try (ConmanDaemon d = ConmanDaemon.start(List.of("--socket-group", "daemon"))) {
      PosixFileAttributes a = attributes(d.socket());
      assertEquals("rw-rw----", PosixFilePermissions.toString(a.permissions()));
      assertEquals("daemon", a.group().getName(), "--socket-group daemon");
      assertEquals(ServingStatus.SERVING, d.health());
    }
  }

  @Test
  void refusesASocketInAWorldWritableDirectory() throws IOException {
    ConmanDaemon first = conman.daemon();
    Path dir = Files.createDirectory(first.dir().resolve("ww"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Path socket = dir.resolve("c.sock");
    Exec.Result r = refusedStart(first, "ww", "--socket", socket.toString());
    assertTrue(output(r).contains("world-writable") && output(r).contains(dir.toString()),
        () -> "the message names the directory and why: " + r);
    assertFalse(Files.exists(socket, LinkOption.NOFOLLOW_LINKS), "no socket was made there");

    // the sticky bit (as on /tmp) does not make it safe
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxrwxrwx"));
    Exec.Result sticky = Exec.run(Duration.ofSeconds(10), "chmod", "1777", dir.toString());
    assertEquals(0, sticky.exitCode(), sticky::toString);
    Exec.Result r2 = refusedStart(first, "ww2", "--socket", socket.toString());
    assertTrue(output(r2).contains("world-writable"), r2::toString);
  }

  @Test
  void refusesASocketPathThatIsASymlink() throws IOException {
    ConmanDaemon first = conman.daemon();
    Path dir = Files.createDirectory(first.dir().resolve("links"));
    Path target = dir.resolve("target-file");
    Files.writeString(target, "not to be touched");
    Path toFile = Files.createSymbolicLink(dir.resolve("to-file.sock"), target);
    Path dangling = Files.createSymbolicLink(dir.resolve("dangling.sock"), dir.resolve("elsewhere.sock"));
    Path toLive = Files.createSymbolicLink(dir.resolve("to-live.sock"), first.socket());

    for (Path link : List.of(toFile, dangling, toLive)) {
      Exec.Result r = refusedStart(first, "l-" + link.getFileName().toString().replace(".sock", ""),
          "--socket", link.toString());
      assertTrue(output(r).contains("symbolic link") && output(r).contains(link.toString()),
          () -> "the message names the link: " + r);
      assertTrue(Files.isSymbolicLink(link), "the link is left alone");
    }
    assertEquals("not to be touched", Files.readString(target));
    assertFalse(Files.exists(dir.resolve("elsewhere.sock"), LinkOption.NOFOLLOW_LINKS), "nothing made at the link's target");
    assertEquals(ServingStatus.SERVING, first.health(), "the first daemon still serves");
  }

  @Test
  void aLiveSocketOfAnotherDaemonIsRespected() throws IOException {
    ConmanDaemon first = conman.daemon();
    Exec.Result r = refusedStart(first, "second", "--socket", first.socket().toString());
    assertTrue(output(r).contains("another daemon is serving on " + first.socket()), () -> "a clear message: " + r);
    assertEquals(ServingStatus.SERVING, first.health(), "the first daemon still serves on its socket");
    assertTrue(attributes(first.socket()).isOther(), "its socket is still there");
  }

  @Test
  void aStaleSocketOfASigkilledDaemonIsReplaced() throws IOException {
    ConmanDaemon d = conman.daemon();
    d.kill9();
    assertTrue(attributes(d.socket()).isOther(), "SIGKILL leaves the socket file behind");
    d.restart();
    assertEquals(ServingStatus.SERVING, d.health());
    assertEquals("rw-rw----", PosixFilePermissions.toString(attributes(d.socket()).permissions()));
  }

  @Test
  void aStaleNonSocketFileAtTheSocketPathIsNotDeleted() throws IOException {
    ConmanDaemon first = conman.daemon();
    Path file = first.dir().resolve("plain.sock");
    Files.writeString(file, "a regular file");
    Exec.Result r = refusedStart(first, "plain", "--socket", file.toString());
    assertTrue(output(r).contains(file.toString()), r::toString);
    assertEquals("a regular file", Files.readString(file), "left alone");
  }

  // ------------------------------------------------------------------ the journal

  /**
   * Damaged in three ways in turn (overwritten with garbage, header overwritten, truncated to half),
   * the journal stops the daemon each time; following the message's advice (restore the backup)
   * brings every container back.
   */
  @Test
  void aDamagedJournalStopsTheDaemonWithAMessageSayingWhatToDo() throws IOException {
    ConmanDaemon d = withAContainer();
    d.stop();
    Backup backup = new Backup(d, CONTAINERS);
    byte[] good = Files.readAllBytes(d.database());
    assertTrue(good.length >= 3 * 4096, () -> "the journal has several pages: " + good.length + " bytes");

    byte[] garbage = new byte[64 * 1024];
    new Random(42).nextBytes(garbage);
    Files.write(d.database(), garbage);
    expectRefusalToStart(d, backup, "overwritten with garbage");

    byte[] header = good.clone();
    java.util.Arrays.fill(header, 0, 100, (byte) 0xA5);
    Files.write(d.database(), header);
    expectRefusalToStart(d, backup, "header overwritten");

    Files.write(d.database(), java.util.Arrays.copyOf(good, good.length / 2 + 100));
    expectRefusalToStart(d, backup, "truncated to half");

    restartAndFindEveryContainer(d, backup);
  }

  /**
   * A journal truncated to nothing, while conman's root says there were containers (their
   * directories, and runc still runs one), is a damaged journal, not a first start.
   */
  @Test
  void aJournalTruncatedToZeroBytesIsNotAFreshStart() throws IOException {
    ConmanDaemon d = withAContainer();
    d.stop();
    Backup backup = new Backup(d, CONTAINERS);
    Files.write(d.database(), new byte[0]);
    expectRefusalToStart(d, backup, "truncated to 0 bytes");
    restartAndFindEveryContainer(d, backup);
  }

  /** Creates and starts a container (so that the journal has content and runc a container). */
  private ConmanDaemon withAContainer() {
    ConmanDaemon d = conman.daemon();
    for (int i = 0; i < CONTAINERS; i++) {
      String id = d.runtime().createContainer(Support.create(conman.name("j" + i), conman.rootfs(), "/bin/sleep", "300"))
          .getContainer().getId();
      if (i == 0) {
        d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
      }
    }
    return d;
  }

  /**
   * conmand must refuse to start on the damaged journal, saying so; then the advice of the message
   * is followed (restore the backup taken before the damage) and the daemon finds its containers.
   */
  private void expectRefusalToStart(ConmanDaemon d, Backup backup, String damage) throws IOException {
    byte[] damaged = Files.readAllBytes(d.database());
    try {
      Exec.Result r;
      try {
        r = Exec.run(REFUSAL, ConmanDaemon.processBuilder(ConmanDaemon.command(d.root(), d.state())));
      } catch (IllegalStateException e) {
        throw new AssertionError("journal " + damage + ": conmand started (it should refuse) and served until killed "
            + REFUSAL.toSeconds() + " s later: " + e.getMessage());
      }
      assertNotEquals(0, r.exitCode(), () -> "journal " + damage + ": conmand must not start: " + r);
      String out = output(r);
      assertTrue(out.contains("damaged") && out.contains("backup") && out.contains(d.database().toString()),
          () -> "journal " + damage + ": the message names the file, says it is damaged and what to do (restore a"
              + " backup): " + r);
      assertArrayEquals(damaged, Files.readAllBytes(d.database()), "journal " + damage
          + ": the damaged file is left as it was, for recovery");
      assertFalse(Files.exists(d.socket(), LinkOption.NOFOLLOW_LINKS), "nothing serves");
    } finally {
      backup.restore();
    }
  }

  /** After the backup is restored (the message's advice), the daemon finds every container again. */
  private static void restartAndFindEveryContainer(ConmanDaemon d, Backup backup) {
    d.restart();
    List<Container> listed = Invariants.list(d.channel());
    assertEquals(backup.containers, listed.size(), "after restoring the backup every container is back");
    for (Container c : listed) {
      d.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).setForce(true).build());
    }
  }

  /** The journal files of a stopped daemon, as a backup would hold them. */
  private static final class Backup {
    final ConmanDaemon d;
    final int containers;
    final java.util.Map<Path, byte[]> files = new java.util.HashMap<>();

    Backup(ConmanDaemon d, int containers) throws IOException {
      this.d = d;
      this.containers = containers;
      for (String suffix : List.of("", "-wal")) {
        Path p = Path.of(d.database() + suffix);
        if (Files.exists(p)) {
          files.put(p, Files.readAllBytes(p));
        }
      }
    }

    void restore() throws IOException {
      for (String suffix : List.of("-wal", "-shm")) {
        Files.deleteIfExists(Path.of(d.database() + suffix));
      }
      for (var e : files.entrySet()) {
        Files.write(e.getKey(), e.getValue());
      }
    }
  }

  // ------------------------------------------------------------------ SIGTERM

  @Test
  void sigtermStopsGracefullyAndContainersKeepRunning() throws Exception {
    ConmanDaemon d = conman.daemon();
    Container running = d.runtime().createContainer(Support.create(conman.name("running"), conman.rootfs(),
        "/bin/sleep", "300")).getContainer();
    running = d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(running.getId()).build()).getContainer();
    Container created = d.runtime().createContainer(Support.create(conman.name("created"), conman.rootfs(),
        "/bin/sleep", "300")).getContainer();
    // a stop in flight when SIGTERM arrives: busybox sleep as pid 1 ignores SIGTERM, so it lasts 3 s
    Container stopping = d.runtime().createContainer(Support.create(conman.name("stopping"), conman.rootfs(),
        "/bin/sleep", "300")).getContainer();
    stopping = d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(stopping.getId()).build()).getContainer();
    String stoppingId = stopping.getId();
    var stub = RuntimeServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    CompletableFuture<Object> stop = CompletableFuture.supplyAsync(() -> {
      try {
        return stub.stopContainer(StopContainerRequest.newBuilder().setRef(stoppingId).setTimeoutSeconds(3).build())
            .getContainer();
      } catch (StatusRuntimeException e) {
        return e.getStatus();
      }
    });
    ConmanDaemon.sleep(500);

    d.stop();
    Integer exitStatus = d.exitStatus();
    String logAfterStop = d.logTail(30);
    assertFalse(Files.exists(d.socket(), LinkOption.NOFOLLOW_LINKS), "the socket is removed");
    Object stopOutcome = stop.get(30, TimeUnit.SECONDS);
    var runc = Invariants.runcList(d);
    assertEquals("running", runc.get(running.getId()).status(), "the running container keeps running");
    assertEquals(running.getPid(), runc.get(running.getId()).pid());
    assertEquals("created", runc.get(created.getId()).status(), "the created container is still created");
    assertTrue(Invariants.conmons(d).containsKey(running.getId()), "its conmon keeps running");

    d.restart();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, get(d, running.getId()).getState());
    assertEquals(running.getPid(), get(d, running.getId()).getPid(), "found again with the same pid");
    assertEquals(ContainerState.CONTAINER_STATE_CREATED, get(d, created.getId()).getState());
    // the interrupted stop either finished (EXITED, answered) or was reconciled after the restart
    Invariants.Result host = Invariants.settleAndCheck(d, Duration.ofSeconds(15));
    assertEquals(List.of(), host.violations(), () -> "after the restart (stop answered " + stopOutcome + ")");
    Container s = get(d, stoppingId);
    List<Event> history = EventServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(stoppingId).build()).getEventsList();
    List<String> types = new ArrayList<>(history.stream().map(Event::getType).toList());
    if (s.getState() == ContainerState.CONTAINER_STATE_RUNNING) {
      assertTrue(types.contains("reconciled"), () -> "an interrupted stop is journaled as such: " + types);
    } else {
      assertEquals(ContainerState.CONTAINER_STATE_EXITED, s.getState(), () -> "stop answered " + stopOutcome + "; " + types);
    }
    for (String id : List.of(running.getId(), created.getId(), stoppingId)) {
      d.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
    }
    // last, so that everything above is checked even while this fails: `conmand --help` promises
    // "0: stopped by SIGTERM or SIGINT", and service managers count anything else as a failure
    assertEquals(0, exitStatus, () -> "conmand exits 0 on SIGTERM (143 is the JVM's default for a death by"
        + " SIGTERM: the daemon did not finish its own exit)\n" + logAfterStop);
  }

  // ------------------------------------------------------------------ helpers

  /** Runs a second conmand on its own root and state under the first's directory; it must refuse to start. */
  private static Exec.Result refusedStart(ConmanDaemon first, String name, String... args) {
    List<String> command = new ArrayList<>(ConmanDaemon.command(first.dir().resolve(name + "-root"),
        first.dir().resolve(name + "-state")));
    command.addAll(List.of(args));
    Exec.Result r;
    try {
      r = Exec.run(REFUSAL, ConmanDaemon.processBuilder(command));
    } catch (IllegalStateException e) {
      throw new AssertionError("conmand " + String.join(" ", args) + " started (it should refuse): " + e.getMessage());
    }
    assertEquals(1, r.exitCode(), () -> "conmand " + String.join(" ", args) + " must refuse to start (exit 1): " + r);
    return r;
  }

  private static String output(Exec.Result r) {
    return r.stdout() + r.stderr();
  }

  private static PosixFileAttributes attributes(Path p) throws IOException {
    return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
  }

  private static Container get(ConmanDaemon d, String id) {
    return d.runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }
}
