package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * The journal's disk is full, or read-only: every command that must be journaled fails at once with
 * UNAVAILABLE and a message that says what is wrong with the journal's disk, nothing changes
 * (neither the containers' states nor the host: no runc work without its journaled intent), and
 * reads keep being served. Once the space is back the same commands succeed without a restart of
 * the daemon, and a restart replays a journal that agrees with runc. The daemon's root (journal,
 * logs) is a small file system of its own.
 */
class JournalDiskFullIT {

  /** A refusal must come at once, not after the ask timeout (60 s) as a DEADLINE_EXCEEDED. */
  private static final Duration PROMPT = Duration.ofSeconds(5);

  /** The scenario of a test, on a daemon whose root is {@code fs}. */
  @FunctionalInterface
  private interface Scenario {
    void run(ConmanDaemon d, SmallFilesystem fs) throws IOException;
  }

  /** Runs {@code scenario} on a daemon whose root {@code mount} mounts; the log tail is printed on failure. */
  private static void onOwnFilesystem(MountRoot mount, Scenario scenario) throws IOException {
    SmallFilesystem[] fs = new SmallFilesystem[1];
    try (ConmanDaemon d = ConmanDaemon.start(List.of(), List.of(), daemon -> fs[0] = mount.mount(daemon))) {
      try {
        scenario.run(d, fs[0]);
      } catch (AssertionError | RuntimeException e) {
        System.err.println("conmand is " + d.processStatus() + "\n" + d.logTail(80));
        throw e;
      }
    }
  }

  @FunctionalInterface
  private interface MountRoot {
    SmallFilesystem mount(ConmanDaemon d) throws IOException;
  }

  /** A CREATED, a RUNNING and an EXITED container, by name. */
  private record Containers(java.nio.file.Path rootfs, String created, String running, String exited) {
    static Containers make(ConmanDaemon d) throws IOException {
      var rootfs = Rootfs.build(d.dir().resolve("rfs"));
      String created = create(d, "created", rootfs, "/bin/sleep", "1000");
      String running = start(d, create(d, "running", rootfs, "/bin/sleep", "1000"));
      String exited = start(d, create(d, "exited", rootfs, "/bin/sh", "-c", "exit 3"));
      d.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(exited).build());
      return new Containers(rootfs, created, running, exited);
    }
  }

  @Test
  void commandsFailWithUnavailableWhileTheJournalsDiskIsFullAndSucceedOnceSpaceIsBack() throws Exception {
    onOwnFilesystem(d -> SmallFilesystem.tmpfs(d.root(), "32m"), (d, fs) -> {
      Containers c = Containers.make(d);
      long filled = fs.fill();
      assertEquals(0, fs.usable(), "the filler (" + filled + " bytes) took all the space");

      refusedAndNothingChanged(d, c, "is full");

      fs.free();
      // the same commands succeed, without a restart
      String more = create(d, "more", c.rootfs(), "/bin/true");
      assertEquals(ContainerState.CONTAINER_STATE_RUNNING, d.runtime()
          .startContainer(StartContainerRequest.newBuilder().setRef(c.created()).build()).getContainer().getState());
      assertEquals(ContainerState.CONTAINER_STATE_EXITED, d.runtime().stopContainer(
          StopContainerRequest.newBuilder().setRef(c.running()).setTimeoutSeconds(1).build()).getContainer().getState());
      d.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.exited()).build());

      // a restart replays the journal, and it agrees with runc
      d.restart();
      assertEquals(Map.of("created", "CONTAINER_STATE_RUNNING", "running", "CONTAINER_STATE_EXITED",
          "more", "CONTAINER_STATE_CREATED"), states(d), "after the restart");
      Invariants.Result check = Invariants.settleAndCheck(d, Duration.ofSeconds(10));
      assertTrue(check.ok(), () -> "after the restart: " + check.violations());

      for (String ref : List.of(c.created(), c.running(), more)) {
        d.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(ref).setForce(true).build());
      }
    });
  }

  /**
   * An ext4 file system that an error made read-only stays so until it is checked and mounted again,
   * which needs the daemon gone: here only the refusals are seen, not the recovery.
   */
  @Test
  void commandsFailWithUnavailableWhileTheJournalsDiskIsReadOnly() throws Exception {
    onOwnFilesystem(d -> SmallFilesystem.ext4(d.root(), d.dir().resolve("root.img"), 64), (d, fs) -> {
      Containers c = Containers.make(d);
      fs.failReadOnly();
      refusedAndNothingChanged(d, c, "read-only");
    });
  }

  /**
   * Create, start, stop and delete are refused promptly with UNAVAILABLE and a message that says
   * {@code problem}; the states, the journal and runc are as before; reads are served.
   */
  private static void refusedAndNothingChanged(ConmanDaemon d, Containers c, String problem) {
    Map<String, String> before = states(d);
    Map<String, List<String>> journals = journals(d, c);

    assertRefused(d, "create", problem, stub -> stub.createContainer(Support.create("more", c.rootfs(), "/bin/true")));
    assertRefused(d, "start", problem,
        stub -> stub.startContainer(StartContainerRequest.newBuilder().setRef(c.created()).build()));
    assertRefused(d, "stop", problem, stub -> stub.stopContainer(
        StopContainerRequest.newBuilder().setRef(c.running()).setTimeoutSeconds(1).build()));
    assertRefused(d, "delete", problem,
        stub -> stub.deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.exited()).build()));

    assertEquals(before, states(d), "the containers' states after the refused commands");
    assertEquals(journals, journals(d, c), "the journal after the refused commands");
    assertEquals(HealthCheckResponse.ServingStatus.SERVING, d.health());
    assertEquals("created", runcStatus(d, c.created()), "a start whose intent was not journaled never ran");
    assertEquals("running", runcStatus(d, c.running()), "a stop whose intent was not journaled never ran");
  }

  /** {@code call} fails promptly with UNAVAILABLE and a message that the journal's disk has {@code problem}. */
  private static void assertRefused(ConmanDaemon d, String what, String problem,
      Function<RuntimeServiceGrpc.RuntimeServiceBlockingStub, ?> call) {
    var stub = RuntimeServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(20, TimeUnit.SECONDS);
    long t0 = System.nanoTime();
    StatusRuntimeException e = Support.assertCode(Status.Code.UNAVAILABLE, () -> call.apply(stub));
    Duration took = Duration.ofNanos(System.nanoTime() - t0);
    String message = e.getStatus().getDescription().toLowerCase(Locale.ROOT);
    assertTrue(message.contains("journal") && message.contains(problem),
        () -> what + ": the message should say that the journal's disk is " + problem + ": " + e.getStatus());
    assertTrue(took.compareTo(PROMPT) < 0, () -> what + " was refused only after " + took);
    System.out.println("journal " + problem + ": " + what + " refused after " + took.toMillis() + " ms: " + e.getStatus());
  }

  private static String create(ConmanDaemon d, String name, java.nio.file.Path rootfs, String... command) {
    return d.runtime().createContainer(Support.create(name, rootfs, command)).getContainer().getId();
  }

  private static String start(ConmanDaemon d, String id) {
    d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    return id;
  }

  /** Each listed container's name and state, and each one's own status agrees with the list. */
  private static Map<String, String> states(ConmanDaemon d) {
    Map<String, String> states = new TreeMap<>();
    for (Container c : d.runtime().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
      Container one = d.runtime().getContainer(GetContainerRequest.newBuilder().setRef(c.getId()).build()).getContainer();
      assertEquals(c.getState(), one.getState(), () -> "list and get disagree on " + c.getName());
      states.put(c.getName(), c.getState().name());
    }
    return states;
  }

  private static Map<String, List<String>> journals(ConmanDaemon d, Containers c) {
    Map<String, List<String>> journals = new TreeMap<>();
    for (String id : List.of(c.created(), c.running(), c.exited())) {
      journals.put(id, Support.journalManifests(d.database(), id));
    }
    journals.put("supervisor", Support.journalManifestsOf(d.database(), "supervisor"));
    return journals;
  }

  private static String runcStatus(ConmanDaemon d, String id) {
    Exec.Result r = Exec.run(Duration.ofSeconds(30), "runc", "--root", d.runcRoot().toString(), "state", id);
    assertEquals(0, r.exitCode(), () -> "runc state: " + r);
    return com.google.gson.JsonParser.parseString(r.stdout()).getAsJsonObject().get("status").getAsString();
  }
}
