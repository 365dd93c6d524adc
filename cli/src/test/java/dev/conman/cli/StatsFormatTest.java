package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.conman.api.v1.ContainerStats;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StatsFormatTest {
  private static final String ID = ContainerFormatTest.ID;
  private static final Duration SECOND = Duration.ofSeconds(1);

  /** A sample taken {@code millis} ms after 10:00:00, when {@code cpuMillis} of CPU were used. */
  static ContainerStats sample(long millis, long cpuMillis) {
    return ContainerStats.newBuilder()
        .setId(ID)
        .setName("web")
        .setTime(Timestamps.of(java.time.Instant.parse("2024-05-01T10:00:00Z").plusMillis(millis)))
        .setCpuNanos(cpuMillis * 1_000_000)
        .setMemoryBytes(16L << 20)
        .setMemoryLimitBytes(64L << 20)
        .setPids(3)
        .build();
  }

  @Test
  void cpuPercentIsCpuTimeOverTimeBetweenTheSamples() {
    assertEquals(50.0, StatsFormat.cpuPercent(sample(0, 1000), sample(1000, 1500), SECOND));
    assertEquals(200.0, StatsFormat.cpuPercent(sample(0, 0), sample(500, 1000), SECOND),
        "two CPUs' worth");
    assertEquals(0.0, StatsFormat.cpuPercent(sample(0, 7), sample(2000, 7), SECOND));
  }

  @Test
  void cpuPercentUsesConmanctlsClockWhenASampleHasNoTime() {
    ContainerStats untimed = sample(1000, 1250).toBuilder().clearTime().build();
    assertEquals(25.0, StatsFormat.cpuPercent(sample(0, 1000), untimed, SECOND));
    assertEquals(12.5, StatsFormat.cpuPercent(sample(0, 1000), untimed, Duration.ofSeconds(2)));
  }

  @Test
  void cpuPercentIsUnknownWithoutTwoUsableSamples() {
    assertNull(StatsFormat.cpuPercent(null, sample(1000, 1500), SECOND), "first sample");
    assertNull(StatsFormat.cpuPercent(sample(0, 1000), sample(1000, 10), SECOND),
        "counter went back: the container was restarted");
    assertNull(StatsFormat.cpuPercent(sample(1000, 1000), sample(1000, 1500), SECOND),
        "no time between the samples");
  }

  @Test
  void rowsMatchSamplesById() {
    ContainerStats other = sample(1000, 300).toBuilder().setId("f" + ID.substring(1))
        .setName("db").build();
    List<StatsFormat.Row> rows = StatsFormat.rows(List.of(sample(1000, 1500), other),
        Map.of(ID, sample(0, 1000)), SECOND);
    assertEquals(List.of(new StatsFormat.Row(sample(1000, 1500), 50.0),
        new StatsFormat.Row(other, null)), rows);
  }

  @Test
  void tableLikeDockerStats() {
    ContainerStats unlimited = sample(1000, 0).toBuilder().setId("f" + ID.substring(1))
        .setName("db").setMemoryBytes(100L << 20).setMemoryLimitBytes(0).setPids(12).build();
    ContainerStats cgroupV1Unlimited = unlimited.toBuilder().setName("v1")
        .setMemoryLimitBytes(9_223_372_036_854_771_712L).setMemoryBytes(1000).build();
    assertEquals(
        "ID             NAME   CPU %     MEM USAGE / LIMIT    MEM %    PIDS\n"
      + "0123456789ab   web    33.33%    16MiB / 64MiB        25.00%   3\n"
      + "f123456789ab   db     -         100MiB / unlimited   -        12\n"
      + "f123456789ab   v1     200.00%   1000B / unlimited    -        12\n",
        StatsFormat.table(List.of(new StatsFormat.Row(sample(3000, 2000), 100.0 / 3),
            new StatsFormat.Row(unlimited, null), new StatsFormat.Row(cgroupV1Unlimited, 200.0))));
  }

  @Test
  void emptyTableHasAHeader() {
    assertEquals("ID   NAME   CPU %   MEM USAGE / LIMIT   MEM %   PIDS\n",
        StatsFormat.table(List.of()));
  }

  @Test
  void jsonHasTheRawNumbersAndTheCpuPercent() {
    assertEquals("[{\"id\":\"" + ID + "\",\"name\":\"web\",\"time\":\"2024-05-01T10:00:01.500Z\","
        + "\"cpu_nanos\":2000000000,\"memory_bytes\":16777216,\"memory_limit_bytes\":67108864,"
        + "\"pids\":3,\"cpu_percent\":33.33},"
        + "{\"id\":\"" + ID + "\",\"name\":\"web\",\"time\":\"2024-05-01T10:00:00Z\","
        + "\"cpu_nanos\":0,\"memory_bytes\":16777216,\"memory_limit_bytes\":67108864,"
        + "\"pids\":3,\"cpu_percent\":null}]",
        StatsFormat.json(List.of(new StatsFormat.Row(sample(1500, 2000), 100.0 / 3),
            new StatsFormat.Row(sample(0, 0), null))));
    assertEquals("[]", StatsFormat.json(List.of()));
    assertEquals(true, StatsFormat.json(List.of(new StatsFormat.Row(sample(0, 0), 0.0)))
        .contains("\"cpu_percent\":0.00}"));
  }
}
