package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.conman.api.v1.ContainerProcess;
import dev.conman.api.v1.ContainerProcessesResponse;
import java.time.ZoneId;
import java.util.List;
import org.junit.jupiter.api.Test;

class ProcessFormatTest {

  /** A process started at 2024-05-01T10:00:00Z plus its pid in seconds. */
  static ContainerProcess process(long pid, long hostPid, long ppid, long uid, String user, String state,
      long cpuNanos, String... command) {
    return ContainerProcess.newBuilder().setPid(pid).setHostPid(hostPid).setPpid(ppid).setUid(uid).setUser(user)
        .setState(state).setCpuNanos(cpuNanos)
        .setStartedAt(ContainerFormatTest.ts("2024-05-01T10:00:00Z").toBuilder().setSeconds(
            ContainerFormatTest.ts("2024-05-01T10:00:00Z").getSeconds() + pid))
        .addAllCommand(List.of(command)).build();
  }

  private static final ContainerProcessesResponse TWO = ContainerProcessesResponse.newBuilder().setId("c".repeat(64))
      .addProcesses(process(1, 4100, 0, 0, "root", "S", 3_500_000_000L, "/bin/sh", "-c", "sleep 100"))
      .addProcesses(process(7, 4200, 1, 65534, "", "R", 0, "sleep", "100"))
      .build();

  @Test
  void aTableLikePs() {
    assertEquals("""
        PID   HOST PID   PPID   USER    STATE   TIME       STARTED    COMMAND
        1     4100       0      root    S       00:00:03   12:00:01   /bin/sh -c sleep 100
        7     4200       1      65534   R       00:00:00   12:00:07   sleep 100
        """, ProcessFormat.table(TWO, ZoneId.of("Europe/Berlin")));
  }

  @Test
  void cpuTimeAsPsShowsIt() {
    assertEquals("00:01:05", ProcessFormat.cpuTime(65_400_000_000L));
    assertEquals("2-03:00:00", ProcessFormat.cpuTime((2 * 86_400 + 3 * 3600) * 1_000_000_000L));
  }

  @Test
  void jsonWithTheProtosFieldNames() {
    assertEquals("{\"id\":\"" + "c".repeat(64) + "\",\"processes\":[{\"pid\":1,\"host_pid\":4100,\"ppid\":0,\"uid\":0,"
        + "\"user\":\"root\",\"state\":\"S\",\"cpu_nanos\":3500000000,\"started_at\":\"2024-05-01T10:00:01Z\","
        + "\"command\":[\"/bin/sh\",\"-c\",\"sleep 100\"]},{\"pid\":7,\"host_pid\":4200,\"ppid\":1,\"uid\":65534,"
        + "\"user\":\"\",\"state\":\"R\",\"cpu_nanos\":0,\"started_at\":\"2024-05-01T10:00:07Z\","
        + "\"command\":[\"sleep\",\"100\"]}]}", ProcessFormat.json(TWO));
  }
}
