package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code runc events --stats} and the cgroup's OOM counters, as runc 1.1.5 wrote them here. */
class StatsAndOomTest {

  private static final Instant AT = Instant.parse("2026-11-28T20:32:33Z");

  /** A busy loop with --cpus 0.5 for 2 s, 16 MiB limit, pids limit 10 (cgroup v1). */
  static String capturedV1() throws IOException {
    try (InputStream in = StatsAndOomTest.class.getResourceAsStream("events-stats-v1.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
  }

  @Test
  void parsesCapturedStats() throws Exception {
    ContainerStats stats = RuncJson.parseStats(capturedV1(), AT);
    assertEquals(new ContainerStats(1_018_058_792L, 462_848L, 16L << 20, 1, AT), stats);
    assertTrue(stats.memoryLimited());
  }

  @Test
  void missingCountersReadAsZeroAndHugeLimitsAsUnlimited() throws Exception {
    ContainerStats bare = RuncJson.parseStats("{\"type\":\"stats\",\"id\":\"x\",\"data\":{}}\n", AT);
    assertEquals(new ContainerStats(0, 0, ContainerStats.UNLIMITED, 0, AT), bare);
    assertFalse(bare.memoryLimited());
    ContainerStats v1 = RuncJson.parseStats("{\"type\":\"stats\",\"data\":{\"memory\":{\"usage\":"
        + "{\"limit\":9223372036854771712,\"usage\":5}},\"pids\":{\"current\":3}}}", AT);
    assertEquals(ContainerStats.UNLIMITED, v1.memoryLimitBytes());
    assertEquals(3, v1.pids());
    ContainerStats v2 = RuncJson.parseStats("{\"type\":\"stats\",\"data\":{\"memory\":{\"usage\":"
        + "{\"limit\":18446744073709551615,\"usage\":7}}}}", AT);
    assertEquals(ContainerStats.UNLIMITED, v2.memoryLimitBytes());
    assertEquals(7, v2.memoryBytes());
  }

  @Test
  void rejectsOutputThatIsNoStats() {
    assertThrows(RuntimeFailure.class, () -> RuncJson.parseStats("oops", AT));
    assertThrows(RuntimeFailure.class, () -> RuncJson.parseStats("{\"type\":\"oom\",\"id\":\"x\"}", AT));
  }

  @Test
  void cpuPercentIsOfOneCpuBetweenSamples() {
    ContainerStats a = new ContainerStats(1_000_000_000L, 0, 0, 1, AT);
    ContainerStats b = new ContainerStats(1_500_000_000L, 0, 0, 1, AT.plusSeconds(1));
    assertEquals(50.0, ContainerStats.cpuPercent(a, b), 1e-9);
    assertEquals(0.0, ContainerStats.cpuPercent(b, a));
    assertEquals(0.0, ContainerStats.cpuPercent(a, a));
  }

  @Test
  void readsTheOomKillCounterOfBothLayouts() {
    assertEquals(1, CgroupOom.parseOomKill("oom_kill_disable 0\nunder_oom 0\noom_kill 1\n"));
    assertEquals(0, CgroupOom.parseOomKill("oom_kill_disable 0\nunder_oom 0\n"));
    assertEquals(3, CgroupOom.parseOomKill("low 0\nhigh 0\nmax 12\noom 3\noom_kill 3\noom_group_kill 0\n"));
  }

  @Test
  void findsTheMemoryCgroupInRuncsState(@TempDir Path dir) throws IOException {
    Path memory = Files.createDirectories(dir.resolve("memory/conman/c"));
    Path unified = Files.createDirectories(dir.resolve("unified/conman/c"));
    Path state = dir.resolve("state.json");
    // the runtime config comes first in runc's state; a field of the same name inside it is not the one
    Files.writeString(state, "{\"id\":\"c\",\"config\":{\"x\":[1,{\"cgroup_paths\":{\"memory\":\"/nowhere\"}}]},"
        + "\"cgroup_paths\":{\"\":\"" + unified + "\",\"memory\":\"" + memory + "\"}}");
    assertEquals(0, CgroupOom.kills(state), "no cgroup files");
    Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 2\n");
    assertEquals(2, CgroupOom.kills(state));

    Files.writeString(state, "{\"id\":\"c\",\"cgroup_paths\":{\"\":\"" + unified + "\"}}");
    Files.writeString(unified.resolve("memory.events"), "oom 1\noom_kill 1\n");
    assertEquals(1, CgroupOom.kills(state), "cgroup v2");
    assertEquals(0, CgroupOom.kills(dir.resolve("gone.json")));
    Files.writeString(state, "not json");
    assertEquals(0, CgroupOom.kills(state));
  }
}
