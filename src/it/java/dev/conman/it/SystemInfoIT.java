package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.GetInfoRequest;
import dev.conman.api.v1.GetInfoResponse;
import dev.conman.api.v1.SystemServiceGrpc;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** GetInfo and conmanctl info against a real daemon, runc and conmon. */
class SystemInfoIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  private GetInfoResponse info() {
    return SystemServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .getInfo(GetInfoRequest.getDefaultInstance());
  }

  @Test
  void tellsWhatTheDaemonIsAndCountsWhatItHolds() {
    ConmanDaemon d = conman.daemon();
    GetInfoResponse empty = info();
    assertTrue(empty.getVersion().startsWith("conmand "), empty.getVersion());
    assertEquals("conman.v1", empty.getApiVersion());
    assertEquals(d.pid(), empty.getPid());
    Instant started = Instant.ofEpochSecond(empty.getStartedAt().getSeconds(), empty.getStartedAt().getNanos());
    assertFalse(started.isBefore(d.launchedAt()), "started after its launch: " + started);
    assertTrue(empty.getRuntimeVersion().startsWith("runc version "), empty.getRuntimeVersion());
    assertTrue(empty.getConmonVersion().startsWith("conmon version "), empty.getConmonVersion());
    assertEquals(d.root().toString(), empty.getRoot());
    assertEquals(d.state().toString(), empty.getState());
    assertEquals(d.socket().toString(), empty.getSocket());
    assertEquals("none", empty.getDefaultNetwork());
    assertEquals(0, empty.getContainers());
    assertEquals(0, empty.getImages());
    assertTrue(empty.getJournalBytes() > 0, "the journal's database takes space");

    String running = conman.startShell(conman.name("running"), "sleep 100");
    conman.daemon().runtime().createContainer(Support.create(conman.name("created"), conman.rootfs(), "/bin/true"));
    GetInfoResponse two = info();
    assertEquals(2, two.getContainers());
    assertEquals(java.util.Map.of("CONTAINER_STATE_RUNNING", 1, "CONTAINER_STATE_CREATED", 1),
        two.getContainersByStateMap());
    assertTrue(two.getJournalOffset() > empty.getJournalOffset(), "the creates and the start were journaled");
    assertEquals(empty.getRuntimeVersion(), two.getRuntimeVersion());

    Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " info");
    assertEquals(0, cli.exitCode(), cli::toString);
    assertTrue(cli.stdout().contains("Containers:") && cli.stdout().contains("RUNNING 1")
        && cli.stdout().contains(d.root().toString()), cli.stdout());
    conman.forceDelete(running);
    conman.forceDelete(conman.name("created"));
  }
}
