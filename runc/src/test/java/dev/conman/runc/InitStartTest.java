package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Releasing a created container's init, against a shell that waits on a real FIFO as runc's init does. */
class InitStartTest {

  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @Test
  void releasesTheWaitingInitAndRemovesTheFifoAsRuncStartDoes() throws Exception {
    Path ran = dir.resolve("ran");
    // writes its byte, then runs the user's process in its place (the write end closes with the exec)
    Process init = WaitingInit.start(dir, "printf 0 >&3; exec 3>&-; touch " + ran + "; exec sleep 30");
    try {
      assertFalse(Files.exists(ran), "held until the start");
      InitStart.Result started = InitStart.start(dir, BOUND);
      assertEquals(InitStart.Outcome.STARTED, started.outcome());
      assertFalse(Files.exists(dir.resolve(InitStart.EXEC_FIFO)),
          "runc tells a running container from a created one by the FIFO");
      assertTrue(awaitFile(ran), "the process ran after the start");
      assertTrue(init.isAlive());
      assertFalse(InitSignal.ended(started.init()), "the state read by the start names the running init");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "running: no FIFO, runc says so");
    } finally {
      init.destroyForcibly();
    }
  }

  @Test
  void anInitThatEndsWithoutOpeningTheFifoIsLeftToRunc() throws Exception {
    Path fifo = WaitingInit.fifo(dir);
    Process init = new ProcessBuilder("sleep", "0.3").start();
    WaitingInit.writeState(dir, init.pid(), WaitingInit.startTime(init), "{}", "{}");
    assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "runc says it has stopped");
    assertTrue(Files.exists(fifo));
  }

  @Test
  void anInitThatEndsAfterItsByteIsStarted() throws Exception {
    Process init = WaitingInit.start(dir, "printf 0 >&3; exit 0");
    InitStart.Result started = InitStart.start(dir, BOUND);
    assertEquals(InitStart.Outcome.STARTED, started.outcome());
    assertTrue(init.waitFor(5, TimeUnit.SECONDS));
    assertTrue(InitSignal.ended(started.init()), "a start that ran a short job tells that it has ended");
    assertFalse(Files.exists(dir.resolve(InitStart.EXEC_FIFO)));
  }

  @Test
  void anInitThatClosesWithoutWritingIsLeftToRunc() throws Exception {
    Process init = WaitingInit.start(dir, "exec 3>&-; exec sleep 30");
    try {
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome());
    } finally {
      init.destroyForcibly();
    }
  }

  @Test
  void anInitThatWritesButNeverRunsItsProcessTimesOut() throws Exception {
    Process init = WaitingInit.start(dir, "printf 0 >&3; exec sleep 30");
    try {
      assertEquals(InitStart.Outcome.TIMED_OUT, InitStart.start(dir, Duration.ofMillis(300)).outcome(),
          "the write end stays open, as in a start hook that does not end");
    } finally {
      init.destroyForcibly();
    }
  }

  @Test
  void whatRuncMustJudgeIsLeftToRunc() throws Exception {
    assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "no state.json: unknown container");
    Process init = new ProcessBuilder("sleep", "30").start();
    try {
      long start = WaitingInit.startTime(init);
      WaitingInit.writeState(dir, init.pid(), start, "{}", "{}");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "no FIFO: running or stopped");
      Files.writeString(dir.resolve(InitStart.EXEC_FIFO), "0");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "not a FIFO");
      Files.delete(dir.resolve(InitStart.EXEC_FIFO));
      WaitingInit.fifo(dir);
      WaitingInit.writeState(dir, init.pid(), start + 1, "{}", "{}");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "another start time: a reused pid");
      Path freezer = Files.createDirectories(dir.resolve("freezer"));
      Files.writeString(freezer.resolve("freezer.state"), "FROZEN\n");
      WaitingInit.writeState(dir, init.pid(), start, "{}", "{\"freezer\":\"" + freezer + "\"}");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "paused: runc refuses");
      WaitingInit.writeState(dir, init.pid(), start, "{\"Hooks\":{\"poststart\":[{\"path\":\"/bin/true\"}]}}", "{}");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND).outcome(), "later runc versions run the hooks in start");
      assertTrue(Files.exists(dir.resolve(InitStart.EXEC_FIFO)));
    } finally {
      init.destroyForcibly();
    }
  }

  private static boolean awaitFile(Path file) throws InterruptedException {
    for (int i = 0; i < 500 && !Files.exists(file); i++) {
      Thread.sleep(10);
    }
    return Files.exists(file);
  }
}
