package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * runc misbehaving under the daemon: a runtime wrapper (in front of the real runc) hangs or fails
 * the runc command named by a control file next to it. A hung call is killed after the configured
 * {@code conman.runtime-timeout} and the container's actor answers with the failure instead of
 * hanging; other containers are not held up meanwhile; a failed delete can be retried; a daemon
 * killed in the middle of a runc call finishes the operation once restarted.
 */
class RuntimeFaultsIT {

  private static final Duration RUNTIME_TIMEOUT = Duration.ofSeconds(3);
  /** The wrapper's hanging sleep, recognisable among the host's processes (and this run's own). */
  private final String hangSeconds = Integer.toString(50_000 + new java.util.Random().nextInt(40_000));

  private Path fake;
  private ConmanDaemon daemon;
  private Path rootfs;

  @BeforeEach
  void startDaemonOnAFlakyRuntime() throws IOException {
    fake = Files.createTempDirectory(Path.of("/tmp"), "fakeruntime");
    Path runc = fake.resolve("runc");
    Files.writeString(runc, """
        #!/bin/sh
        # runc that hangs (control file hang-CMD) or fails (fail-CMD) on the runc command CMD
        dir=$(dirname "$0")
        for a in "$@"; do
          case "$a" in
            create|start|kill|delete|state|list) cmd=$a; break;;
          esac
        done
        if [ -n "$cmd" ] && [ -e "$dir/hang-$cmd" ]; then exec sleep %s; fi
        if [ -n "$cmd" ] && [ -e "$dir/fail-$cmd" ]; then echo "injected failure of runc $cmd" >&2; exit 1; fi
        exec /usr/sbin/runc "$@"
        """.formatted(hangSeconds));
    Files.setPosixFilePermissions(runc, PosixFilePermissions.fromString("rwxr-xr-x"));
    daemon = ConmanDaemon.start(List.of("-Dconman.runtime-timeout=" + RUNTIME_TIMEOUT.toSeconds() + "s"),
        List.of("--runtime", runc.toString()));
    rootfs = Rootfs.build(daemon.dir().resolve("rfs"));
  }

  @AfterEach
  void cleanUp() throws IOException {
    try {
      if (daemon != null) {
        daemon.close();
      }
    } finally {
      ConmanDaemon.deleteTree(fake);
    }
  }

  /**
   * runc delete is the hung call: the daemon starts a created container without a runc process
   * (InitStart), and deletes a stopped one without runc where it can (StoppedDelete), but the delete
   * of a container that was created and never started is runc's (runc kills its waiting init).
   */
  @Test
  void aHungRuncCallIsKilledAfterTheRuntimeTimeoutWithoutHoldingUpOthers() throws Exception {
    String id = create("hung");
    control("hang-delete", true);
    var stub = RuntimeServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    CompletableFuture<Status> delete = CompletableFuture.supplyAsync(
        () -> Support.status(() -> stub.deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build())));
    ConmanDaemon.sleep(500);
    // meanwhile, another container is created and started (no runc delete in either)
    long c0 = System.nanoTime();
    String other = create("other");
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(other).build());
    long otherMs = (System.nanoTime() - c0) / 1_000_000;
    assertTrue(otherMs < RUNTIME_TIMEOUT.toMillis(), "another container is not held up by the hung delete: " + otherMs + " ms");
    assertEquals(ServingStatus.SERVING, daemon.health());

    Status s = delete.get(60, TimeUnit.SECONDS);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertTrue(s.getCode() == Code.DEADLINE_EXCEEDED || s.getCode() == Code.INTERNAL, () -> "delete answered " + s);
    assertTrue(ms < RUNTIME_TIMEOUT.toMillis() + 5000, "answered within the runtime timeout (took " + ms + " ms)");
    assertTrue(ms >= RUNTIME_TIMEOUT.toMillis() - 500, "the runtime had its full timeout (took " + ms + " ms)");
    Support.await("the hung runc killed", Duration.ofSeconds(5), () -> hungProcesses().isEmpty());
    List<String> types = history(id).stream().map(Event::getType).toList();
    assertEquals(List.of("create_requested", "created", "delete_requested"), types, "the intent stays journaled");

    control("hang-delete", false);
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(other).setForce(true).build());
    assertEquals(List.of(), daemon.runcContainers());
  }

  /**
   * ContainerActor keeps the DeleteRequested intent journaled when the delete fails on the host ("the
   * next restart (or delete) finishes the job"); a retry once the host is fine again must work, and
   * the container must not sit in DELETING with nothing in progress.
   */
  @Test
  void aDeleteThatFailedOnTheHostCanBeRetried() throws Exception {
    String id = create("undeletable");
    control("fail-delete", true);
    Status first = Support.status(() -> daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build()));
    assertEquals(Code.INTERNAL, first.getCode(), () -> "the failed delete is reported: " + first);
    assertTrue(first.getDescription().contains("injected failure"), () -> "with runc's error: " + first);
    control("fail-delete", false);

    Container after = get(id);
    Status retry = Support.status(() -> daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build()));
    String state = "after the failed delete the container is " + CrashConsistencyIT.brief(after);
    if (retry.getCode() != Code.OK) {
      // leave nothing behind: a restart resumes the journaled delete
      daemon.restart();
      Support.await("the delete resumed by the restart", Duration.ofSeconds(15), () -> daemon.runcContainers().isEmpty());
    }
    assertEquals(Code.OK, retry.getCode(), () -> "a retried delete must succeed once runc works again; " + state
        + "; the retry got " + retry);
    assertEquals(List.of(), daemon.runcContainers());
  }

  /**
   * A daemon killed during a runc call (the delete of a created container, as above) finishes the
   * journaled operation once restarted, and leaves nothing of the call behind: runc call logs of
   * daemons before runc's log went to stderr ({@code <state>/conmon/runc-*.json}) are swept at start.
   */
  @Test
  void aDaemonKilledDuringARuncCallFinishesTheOperationOnceRestarted() throws Exception {
    String id = create("interrupted");
    control("hang-delete", true);
    CompletableFuture.runAsync(() -> Support.status(() -> RuntimeServiceGrpc.newBlockingStub(daemon.channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS)
        .deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build())));
    Support.await("runc delete in flight", Duration.ofSeconds(10), () -> !hungProcesses().isEmpty());
    Files.writeString(daemon.state().resolve("conmon").resolve("runc-left-by-an-old-daemon.json"), "{}");
    daemon.kill9();
    control("hang-delete", false);
    // the orphaned hung runc is the host's business here, not conman's: end it
    hungProcesses().forEach(ProcessHandle::destroyForcibly);
    daemon.restart();

    Support.await("the interrupted delete finished", Duration.ofSeconds(15), () -> daemon.runcContainers().isEmpty());
    List<String> types = history(id).stream().map(Event::getType).toList();
    assertEquals("deleted", types.get(types.size() - 1), () -> "the journaled delete is finished: " + types);
    assertEquals(List.of("create_requested", "created", "delete_requested"),
        types.subList(0, 3), () -> "history " + types);
    Status gone = Support.status(() -> get(id));
    assertEquals(Code.NOT_FOUND, gone.getCode(), () -> "deleted: " + gone);

    List<String> debris;
    try (Stream<Path> files = Files.list(daemon.state().resolve("conmon"))) {
      debris = files.map(f -> f.getFileName().toString()).filter(n -> n.startsWith("runc-")).toList();
    }
    assertEquals(List.of(), debris, "runc call logs left in <state>/conmon are swept at start");
  }

  // ------------------------------------------------------------------ helpers

  private String create(String name) {
    return daemon.runtime().createContainer(Support.create(name, rootfs, "/bin/sleep", "300")).getContainer().getId();
  }

  private Container get(String id) {
    return daemon.runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  private List<Event> history(String id) {
    return EventServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
  }

  private void control(String file, boolean on) throws IOException {
    if (on) {
      Files.writeString(fake.resolve(file), "");
    } else {
      Files.deleteIfExists(fake.resolve(file));
    }
  }

  /** The wrapper's hanging sleeps that are still alive. */
  private List<ProcessHandle> hungProcesses() {
    return ProcessHandle.allProcesses().filter(p -> {
      try {
        String cmdline = Files.readString(Path.of("/proc", Long.toString(p.pid()), "cmdline")).replace('\0', ' ').strip();
        return cmdline.equals("sleep " + hangSeconds);
      } catch (IOException | RuntimeException e) {
        return false;
      }
    }).toList();
  }

}
