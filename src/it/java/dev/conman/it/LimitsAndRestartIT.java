package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.ContainerStatsRequest;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.ExecSyncRequest;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.Resources;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.UpdateContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Restart policies, resource limits, OOM, stats and update, with real runc, conmon and cgroups. */
class LimitsAndRestartIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  private String start(CreateContainerRequest request) {
    ConmanDaemon d = conman.daemon();
    String id = d.runtime().createContainer(request).getContainer().getId();
    d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    return id;
  }

  private Container get(String id) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
  }

  private List<Event> history(String id) {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
  }

  private void delete(String id) {
    conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
  }

  @Test
  void onFailureThreeRestartsExactlyWithGrowingDelays() {
    String id = start(Support.create(conman.name("f"), conman.rootfs(), "/bin/sh", "-c", "exit 1").toBuilder()
        .setRestartPolicy("on-failure:3").build());
    Support.await("three restarts and a final exit", Duration.ofSeconds(20), () -> {
      Container c = get(id);
      return c.getRestartCount() == 3 && c.getState() == ContainerState.CONTAINER_STATE_EXITED;
    });
    ConmanDaemon.sleep(1000);
    Container c = get(id);
    assertEquals(3, c.getRestartCount(), "no fourth restart");
    assertEquals(1, c.getExitCode());
    List<Long> delays = history(id).stream().filter(e -> e.getType().equals("restart_scheduled"))
        .map(Event::getDelayMillis).toList();
    assertEquals(List.of(100L, 200L, 400L), delays);
    assertEquals(3, history(id).stream().filter(e -> e.getType().equals("restarted")).count());
    delete(id);
  }

  @Test
  void alwaysRestartsAContainerThatDiedWhileTheDaemonWasDown() throws Exception {
    ConmanDaemon d = conman.daemon();
    String id = start(Support.create(conman.name("a"), conman.rootfs(), "/bin/sh", "-c",
        "while [ ! -e /tmp/go ]; do sleep 0.1; done; rm /tmp/go; exit 2").toBuilder().setRestartPolicy("always").build());
    d.kill9();
    Files.createFile(conman.rootfs().resolve("tmp/go"));
    Support.await("the exit file", Duration.ofSeconds(10), () -> Files.exists(d.exitFile(id)));
    d.restart();
    Support.await("restarted by the reconciler", Duration.ofSeconds(15), () -> {
      Container c = get(id);
      return c.getRestartCount() == 1 && c.getState() == ContainerState.CONTAINER_STATE_RUNNING;
    });
    List<String> types = history(id).stream().map(Event::getType).toList();
    assertTrue(types.containsAll(List.of("reconciled", "restart_scheduled", "restarted")), types.toString());
    d.runtime().withDeadlineAfter(30, TimeUnit.SECONDS)
        .stopContainer(StopContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(0).build());
    ConmanDaemon.sleep(500);
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, get(id).getState(), "a user stop ends the loop");
    delete(id);
  }

  @Test
  void anUpdatedRestartPolicyRestartsTheContainerAtItsNextExit() throws Exception {
    ConmanDaemon d = conman.daemon();
    String id = start(Support.create(conman.name("u"), conman.rootfs(), "/bin/sh", "-c",
        "while [ ! -e /tmp/stop ]; do sleep 0.1; done; rm /tmp/stop; exit 4"));
    Container updated = d.runtime().updateContainer(UpdateContainerRequest.newBuilder().setRef(id)
        .setRestartPolicy("on-failure:1").build()).getContainer();
    assertEquals("on-failure:1", updated.getRestartPolicy());
    Files.createFile(conman.rootfs().resolve("tmp/stop"));
    Support.await("restarted once by the new policy", Duration.ofSeconds(15), () -> {
      Container c = get(id);
      return c.getRestartCount() == 1 && c.getState() == ContainerState.CONTAINER_STATE_RUNNING;
    });
    List<String> types = history(id).stream().map(Event::getType).toList();
    assertTrue(types.indexOf("restart_policy_changed") < types.indexOf("restarted"), types.toString());
    delete(id);
  }

  /**
   * A host reboot, as the daemon finds it: every process gone, and the state directory (on /run, a
   * tmpfs) empty. always and unless-stopped run again, as docker starts them at boot; a container
   * without a policy, and one a user stopped, stay exited.
   */
  @Test
  void afterAHostRebootTheRestartPoliciesBringTheirContainersBack() throws Exception {
    ConmanDaemon d = conman.daemon();
    String always = start(Support.create(conman.name("always"), conman.rootfs(), "/bin/sleep", "300").toBuilder()
        .setRestartPolicy("always").build());
    String unless = start(Support.create(conman.name("unless"), conman.rootfs(), "/bin/sleep", "300").toBuilder()
        .setRestartPolicy("unless-stopped").build());
    String none = start(Support.create(conman.name("none"), conman.rootfs(), "/bin/sleep", "300"));
    String stopped = start(Support.create(conman.name("stopped"), conman.rootfs(), "/bin/sleep", "300").toBuilder()
        .setRestartPolicy("unless-stopped").build());
    d.runtime().withDeadlineAfter(30, TimeUnit.SECONDS)
        .stopContainer(StopContainerRequest.newBuilder().setRef(stopped).setTimeoutSeconds(0).build());
    d.kill9();
    for (String id : d.runcContainers()) {
      Exec.run(Duration.ofSeconds(30), "runc", "--root", d.runcRoot().toString(), "delete", "--force", id);
    }
    Support.await("the shims gone", Duration.ofSeconds(10), () -> d.conmonPids().isEmpty());
    try (var entries = Files.list(d.state())) {
      for (Path entry : entries.toList()) {
        Exec.run(Duration.ofSeconds(30), "rm", "-rf", entry.toString());
      }
    }
    d.restart();
    Support.await("always and unless-stopped running again", Duration.ofSeconds(20), () ->
        get(always).getState() == ContainerState.CONTAINER_STATE_RUNNING
            && get(unless).getState() == ContainerState.CONTAINER_STATE_RUNNING);
    assertEquals(1, get(always).getRestartCount());
    Container lost = get(none);
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, lost.getState());
    assertTrue(!lost.hasExitCode(), "nobody saw its exit: " + lost);
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, get(stopped).getState(), "stopped by a user: it stays");
    assertEquals(0, get(stopped).getRestartCount());
    for (String id : List.of(always, unless, none, stopped)) {
      delete(id);
    }
  }

  @Test
  void memoryLimitOomKillIsReported() {
    String id = start(Support.create(conman.name("oom"), conman.rootfs(), "/bin/sh", "-c",
        "dd if=/dev/zero of=/dev/shm/fill bs=1M count=64").toBuilder()
        .setResources(Resources.newBuilder().setMemoryBytes(16L << 20)).build());
    Container c = conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
    assertTrue(c.getOomKilled(), () -> "OOM-killed: " + c);
    assertEquals("OOMKilled", c.getMessage());
    assertTrue(history(id).stream().anyMatch(e -> e.getType().equals("exited") && e.getOomKilled()));
    delete(id);
  }

  @Test
  void pidsLimitMakesForksFailButTheContainerLives() {
    String id = start(Support.create(conman.name("pids"), conman.rootfs(), "/bin/sh", "-c",
        "i=0; while [ $i -lt 30 ]; do (sleep 5 &) 2>/dev/null || echo fork-failed; i=$((i+1)); done; sleep 300")
        .toBuilder().setResources(Resources.newBuilder().setPidsLimit(10)).build());
    Support.await("forks refused", Duration.ofSeconds(15), () -> {
      var out = IoServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(10, TimeUnit.SECONDS);
      StringBuilder log = new StringBuilder();
      out.logs(dev.conman.api.v1.LogsRequest.newBuilder().setRef(id).build())
          .forEachRemaining(e -> log.append(e.getData().toStringUtf8()).append('\n'));
      return log.toString().contains("fork-failed");
    });
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, get(id).getState());
    delete(id);
  }

  @Test
  void cpusLimitShowsInStatsAndUpdateReachesTheCgroup() throws Exception {
    String id = start(Support.create(conman.name("cpu"), conman.rootfs(), "/bin/sh", "-c", "while :; do :; done")
        .toBuilder().setResources(Resources.newBuilder().setCpus(0.5).setMemoryBytes(64L << 20)).build());
    var runtime = conman.daemon().runtime();
    var first = runtime.containerStats(ContainerStatsRequest.newBuilder().setRef(id).build()).getStats();
    ConmanDaemon.sleep(2000);
    var second = runtime.containerStats(ContainerStatsRequest.newBuilder().setRef(id).build()).getStats();
    double seconds = (second.getTime().getSeconds() - first.getTime().getSeconds())
        + (second.getTime().getNanos() - first.getTime().getNanos()) / 1e9;
    double percent = (second.getCpuNanos() - first.getCpuNanos()) / 1e9 / seconds * 100;
    assertTrue(percent > 25 && percent < 75, "about 50 % of a CPU, was " + percent);
    assertEquals(64L << 20, second.getMemoryLimitBytes());

    Container updated = runtime.updateContainer(UpdateContainerRequest.newBuilder().setRef(id)
        .setResources(Resources.newBuilder().setMemoryBytes(32L << 20).setMemorySwapBytes(-1)).build()).getContainer();
    assertEquals(32L << 20, updated.getResources().getMemoryBytes());
    assertEquals(0.5, updated.getResources().getCpus(), 0.001, "what was not updated stays");
    Path limit = Path.of("/sys/fs/cgroup/memory/conman", id, "memory.limit_in_bytes");
    if (Files.exists(limit)) {
      assertEquals(Long.toString(32L << 20), Files.readString(limit).strip());
    }
    assertTrue(history(id).stream().anyMatch(e -> e.getType().equals("resources_updated")));
    delete(id);
  }

  @Test
  void userAndCapabilitiesAndBadInput() {
    ConmanDaemon d = conman.daemon();
    String id = start(Support.create(conman.name("u"), conman.rootfs(), "/bin/sleep", "300").toBuilder()
        .setUser("1000:1000").build());
    String ids = IoServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(20, TimeUnit.SECONDS)
        .execSync(ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(id).addCommand("/bin/busybox")
            .addCommand("id")).build())
        .getStdout().toStringUtf8();
    assertTrue(ids.contains("uid=1000") && ids.contains("gid=1000"), ids);
    delete(id);

    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> d.runtime().createContainer(Support.create(
        conman.name("neg"), conman.rootfs(), "/bin/true").toBuilder()
        .setResources(Resources.newBuilder().setMemoryBytes(-5)).build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> d.runtime().createContainer(Support.create(
        conman.name("cap"), conman.rootfs(), "/bin/true").toBuilder().addCapAdd("CAP_FLY").build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> d.runtime().createContainer(Support.create(
        conman.name("pol"), conman.rootfs(), "/bin/true").toBuilder().setRestartPolicy("sometimes").build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> d.runtime().createContainer(Support.create(
        conman.name("nouser"), conman.rootfs(), "/bin/true").toBuilder().setUser("nobody-here").build()));
  }
}
