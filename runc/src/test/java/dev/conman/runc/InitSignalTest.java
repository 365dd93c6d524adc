package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Signalling an init process directly, against a real child process and a hand-written state.json. */
class InitSignalTest {

  @TempDir
  Path dir;

  @Test
  void readsPidStartAndCgroupsFromRuncsStateSkippingTheConfig() throws IOException {
    RuncStateFile s = RuncStateFile.parse(("{\"id\":\"c\",\"init_process_pid\":10013,\"init_process_start\":3764703,"
        + "\"config\":{\"init_process_pid\":1,\"x\":[{\"cgroup_paths\":{}}]},"
        + "\"cgroup_paths\":{\"\":\"/sys/fs/cgroup/unified/c\",\"freezer\":\"/sys/fs/cgroup/freezer/c\"}}")
        .getBytes(StandardCharsets.UTF_8));
    assertEquals(10013, s.initPid());
    assertEquals(3764703, s.initStart());
    assertEquals(Path.of("/sys/fs/cgroup/freezer/c"), s.cgroup("freezer").orElseThrow());
    assertTrue(s.cgroup("memory").isEmpty());
    assertFalse(s.poststartHooks());
    assertTrue(RuncStateFile.parse(("{\"config\":{\"rootfs\":\"/r\",\"Hooks\":{\"poststart\":[{\"path\":\"/bin/true\"}],"
        + "\"prestart\":null}},\"init_process_pid\":1}").getBytes(StandardCharsets.UTF_8)).poststartHooks());
    assertFalse(RuncStateFile.parse("{\"config\":{\"Hooks\":{\"poststart\":null,\"poststop\":[{}]}}}"
        .getBytes(StandardCharsets.UTF_8)).poststartHooks());
    assertFalse(RuncStateFile.parse("{\"config\":{\"Hooks\":null},\"init_process_pid\":1}"
        .getBytes(StandardCharsets.UTF_8)).poststartHooks());
    assertThrows(IOException.class, () -> RuncStateFile.parse("[1]".getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void readsStateAndStartTimeAfterACommandNameWithSpacesAndParentheses() throws IOException {
    String tail = " 1 1 0 0 -1 4194560 100 0 0 0 0 0 0 0 20 0 1 0 3764703 1000 10";
    InitSignal.ProcStat stat = InitSignal.ProcStat.parse("123 (sl) e (p) S" + tail);
    assertEquals('S', stat.state());
    assertEquals(3764703, stat.startTime());
    assertTrue(InitSignal.ProcStat.parse("123 (x) Z" + tail).ended());
    assertThrows(IOException.class, () -> InitSignal.ProcStat.parse("123 (x) S 1 2"));
  }

  @Test
  void signalsTheProcessRuncRecordedAndOnlyThatOne() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      int pid = (int) p.pid();
      long start = WaitingInit.startTime(p);
      Path state = state(pid, start + 1, null);
      assertEquals(InitSignal.Outcome.NOT_RUNNING, InitSignal.send(state, 15), "another start time: a reused pid");
      assertTrue(p.isAlive());

      Path frozen = Files.createDirectories(dir.resolve("freezer"));
      Files.writeString(frozen.resolve("freezer.state"), "FROZEN\n");
      assertEquals(InitSignal.Outcome.ASK_RUNC, InitSignal.send(state(pid, start, frozen), 15), "runc thaws");
      assertTrue(p.isAlive());

      Files.writeString(frozen.resolve("freezer.state"), "THAWED\n");
      assertEquals(InitSignal.Outcome.SENT, InitSignal.send(state(pid, start, frozen), 15));
      assertTrue(p.waitFor(5, TimeUnit.SECONDS));
      assertEquals(128 + 15, p.exitValue());
      assertEquals(InitSignal.Outcome.NOT_RUNNING, InitSignal.send(state(pid, start, null), 15), "ended and reaped");
    } finally {
      p.destroyForcibly();
    }
    assertEquals(InitSignal.Outcome.ASK_RUNC, InitSignal.send(dir.resolve("none/state.json"), 15),
        "runc says whether it knows the container");
  }

  @Test
  void anInitHasEndedWhenItsPidIsAZombieGoneOrAnotherProcess() throws Exception {
    Process p = new ProcessBuilder("sleep", "30").start();
    try {
      int pid = (int) p.pid();
      long start = WaitingInit.startTime(p);
      assertFalse(InitSignal.ended(state(pid, start, null)));
      assertTrue(InitSignal.ended(state(pid, start + 1, null)), "another start time: a reused pid");
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      assertTrue(InitSignal.ended(state(pid, start, null)), "ended and reaped");
    } finally {
      p.destroyForcibly();
    }
    assertFalse(InitSignal.ended(dir.resolve("none/state.json")), "unknown: not known to have ended");
  }

  private Path state(int pid, long start, Path freezer) throws IOException {
    WaitingInit.writeState(dir, pid, start, "{}", freezer == null ? "{}" : "{\"freezer\":\"" + freezer + "\"}");
    return dir.resolve(RuncStateFile.NAME);
  }
}
