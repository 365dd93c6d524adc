package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Releasing a created container's init, against a shell that waits on a real FIFO as runc's init
 * does, and a hand-written state.json naming it.
 */
class InitStartTest {

  private static final Duration BOUND = Duration.ofSeconds(10);

  @TempDir
  Path dir;

  @Test
  void releasesTheWaitingInitAndRemovesTheFifoAsRuncStartDoes() throws Exception {
    Path fifo = fifo();
    Path ran = dir.resolve("ran");
    // writes its byte, then runs the user's process in its place (the write end closes with the exec)
    Process init = waitingInit("printf 0 >&3; exec 3>&-; touch " + ran + "; exec sleep 30");
    try {
      assertFalse(Files.exists(ran), "held until the start");
      assertEquals(InitStart.Outcome.STARTED, InitStart.start(dir, BOUND));
      assertFalse(Files.exists(fifo), "runc tells a running container from a created one by the FIFO");
      assertTrue(awaitFile(ran), "the process ran after the start");
      assertTrue(init.isAlive());
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND),
          "running: no FIFO, runc says so");
    } finally {
      init.destroyForcibly();
    }
  }

  @Test
  void anInitThatEndsWithoutOpeningTheFifoIsLeftToRunc() throws Exception {
    Path fifo = fifo();
    Process init = new ProcessBuilder("sleep", "0.3").start();
    writeState(init.pid(), startTime(init));
    assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND), "runc says it has stopped");
    assertTrue(Files.exists(fifo));
  }

  @Test
  void anInitThatEndsAfterItsByteIsStarted() throws Exception {
    Path fifo = fifo();
    Process init = waitingInit("printf 0 >&3; exit 0");
    assertEquals(InitStart.Outcome.STARTED, InitStart.start(dir, BOUND));
    assertTrue(init.waitFor(5, TimeUnit.SECONDS));
    assertFalse(Files.exists(fifo));
  }

  @Test
  void anInitThatClosesWithoutWritingIsLeftToRunc() throws Exception {
    fifo();
    Process init = waitingInit("exec 3>&-; exec sleep 30");
    try {
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND));
    } finally {
      init.destroyForcibly();
    }
  }

  @Test
  void anInitThatWritesButNeverRunsItsProcessTimesOut() throws Exception {
    fifo();
    Process init = waitingInit("printf 0 >&3; exec sleep 30");
    try {
      assertEquals(InitStart.Outcome.TIMED_OUT, InitStart.start(dir, Duration.ofMillis(300)),
          "the write end stays open, as in a start hook that does not end");
    } finally {
      init.destroyForcibly();
    }
  }

  @Test
  void whatRuncMustJudgeIsLeftToRunc() throws Exception {
    assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND), "no state.json: unknown container");
    Process init = new ProcessBuilder("sleep", "30").start();
    try {
      writeState(init.pid(), startTime(init));
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND), "no FIFO: running or stopped");
      Files.writeString(dir.resolve(InitStart.EXEC_FIFO), "0");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND), "not a FIFO");
      Files.delete(dir.resolve(InitStart.EXEC_FIFO));
      fifo();
      writeState(init.pid(), startTime(init) + 1);
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND), "another start time: a reused pid");
      Path freezer = Files.createDirectories(dir.resolve("freezer"));
      Files.writeString(freezer.resolve("freezer.state"), "FROZEN\n");
      writeState(init.pid(), startTime(init), "{\"freezer\":\"" + freezer + "\"}");
      assertEquals(InitStart.Outcome.ASK_RUNC, InitStart.start(dir, BOUND), "paused: runc refuses");
    } finally {
      init.destroyForcibly();
    }
  }

  private Path fifo() throws Exception {
    Path fifo = dir.resolve(InitStart.EXEC_FIFO);
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    return fifo;
  }

  /** A shell that opens the FIFO for writing on fd 3 (blocking until a reader comes), then runs {@code then}. */
  private Process waitingInit(String then) throws IOException {
    Process init = new ProcessBuilder("sh", "-c", "exec 3>" + dir.resolve(InitStart.EXEC_FIFO) + "; " + then)
        .start();
    writeState(init.pid(), startTime(init));
    return init;
  }

  private static long startTime(Process p) throws IOException {
    return InitSignal.ProcStat.of((int) p.pid()).orElseThrow().startTime();
  }

  private void writeState(long pid, long start) throws IOException {
    writeState(pid, start, "{}");
  }

  private void writeState(long pid, long start, String cgroups) throws IOException {
    Files.writeString(dir.resolve("state.json"), "{\"id\":\"c\",\"init_process_pid\":" + pid
        + ",\"init_process_start\":" + start + ",\"config\":{},\"cgroup_paths\":" + cgroups + "}",
        StandardCharsets.UTF_8);
  }

  private static boolean awaitFile(Path file) throws InterruptedException {
    for (int i = 0; i < 500 && !Files.exists(file); i++) {
      Thread.sleep(10);
    }
    return Files.exists(file);
  }
}
