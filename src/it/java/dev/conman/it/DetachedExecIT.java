package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.StopContainerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * docker exec -d with real runc and conmon: conmon runs the session, so it outlives the daemon, and
 * the journal gets its exit code even when the process ended while no daemon ran.
 */
class DetachedExecIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  private String execDetached(String id, int timeoutSeconds, String script) {
    return IoServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .execDetached(ExecSpec.newBuilder().setRef(id).addCommand("/bin/sh").addCommand("-c").addCommand(script)
            .setTimeoutSeconds(timeoutSeconds).build()).getExecId();
  }

  /** The session's exec_exited, once journaled. */
  private Optional<Event> ended(String id, String execId) {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList().stream()
        .filter(e -> e.getType().equals("exec_exited") && e.getExecId().equals(execId)).findFirst();
  }

  private Event awaitEnd(String id, String execId) {
    Support.await("exec_exited of " + execId, Duration.ofSeconds(20), () -> ended(id, execId).isPresent());
    return ended(id, execId).orElseThrow();
  }

  private List<Path> sessionDirs() throws java.io.IOException {
    try (var dirs = Files.list(conman.daemon().state().resolve("execs"))) {
      return dirs.toList();
    }
  }

  @Test
  void aSessionOutlivesTheDaemonAndTheNextDaemonJournalsHowItEnded() throws Exception {
    String id = conman.startShell(conman.name("c"), "sleep 300");
    String marker = conman.name("marker");
    // ends after the restart: the new daemon watches it
    String late = execDetached(id, 0, "sleep 3; echo done > /tmp/" + marker + "; exit 6");
    // ends while no daemon runs
    String early = execDetached(id, 0, "sleep 1; exit 7");
    conman.daemon().kill9();
    ConmanDaemon.sleep(1500);
    conman.daemon().restart();

    assertEquals(7, awaitEnd(id, early).getExitCode());
    Event lateEnd = awaitEnd(id, late);
    assertEquals(6, lateEnd.getExitCode());
    assertTrue(Files.exists(conman.rootfs().resolve("tmp").resolve(marker)), "the session ran on without a daemon");
    Support.await("the sessions' directories removed", Duration.ofSeconds(10), () -> {
      try {
        return sessionDirs().isEmpty();
      } catch (java.io.IOException e) {
        return false;
      }
    });
    conman.forceDelete(id);
  }

  @Test
  void aSessionKilledAtItsTimeoutOrByItsContainersStopEndsWith137() {
    String id = conman.startShell(conman.name("t"), "sleep 300");
    String timed = execDetached(id, 1, "sleep 100");
    assertEquals(137, awaitEnd(id, timed).getExitCode());
    String stopped = execDetached(id, 0, "sleep 100");
    conman.daemon().runtime().stopContainer(StopContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(0).build());
    assertEquals(137, awaitEnd(id, stopped).getExitCode());
    conman.forceDelete(id);
  }
}
