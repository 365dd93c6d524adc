package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Resources;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import org.junit.jupiter.api.Test;

class ContainerFormatTest {
  static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  private final ContainerFormat format = new ContainerFormat(ZoneOffset.ofHours(2));

  static Timestamp ts(String iso) {
    Instant i = Instant.parse(iso);
    return Timestamp.newBuilder().setSeconds(i.getEpochSecond()).setNanos(i.getNano()).build();
  }

  /** A container that ran and exited with 7: every field set. */
  static Container exited() {
    return Container.newBuilder()
        .setId(ID)
        .setName("web")
        .setState(ContainerState.CONTAINER_STATE_EXITED)
        .setExitCode(7)
        .setCreatedAt(ts("2024-05-01T10:00:03.123456789Z"))
        .setStartedAt(ts("2024-05-01T10:00:04Z"))
        .setFinishedAt(ts("2024-05-01T10:01:00.5Z"))
        .setImage("/srv/rootfs")
        .addAllCommand(List.of("sh", "-c", "echo 'hi'; exit 7"))
        .addAllEnv(List.of("A=1", "PATH=/bin"))
        .setWorkdir("/tmp")
        .setReadOnly(true)
        .putLabels("tier", "front")
        .putLabels("app", "web")
        .setMessage("")
        .setLogPath("/var/lib/conman/containers/" + ID + "/ctr.log")
        .setImageId("sha256:" + ID)
        .setRestartPolicy("on-failure:3")
        .setRestartCount(2)
        .setResources(Resources.newBuilder().setMemoryBytes(16L << 20)
            .setMemorySwapBytes(-1).setCpus(0.5).setCpuShares(512).setPidsLimit(10)
            .setCpusetCpus("0-1,3"))
        .setUser("1000:1000")
        .addMounts(dev.conman.api.v1.Mount.newBuilder().setType("bind").setSource("/srv/data").setDestination("/data"))
        .addMounts(dev.conman.api.v1.Mount.newBuilder().setType("tmpfs").setDestination("/scratch").setReadOnly(true))
        .build();
  }

  /** Just created: no pid shown, no exit code, no start or finish time, no labels. */
  static Container created() {
    return Container.newBuilder()
        .setId("fedcba9876543210" + ID.substring(16))
        .setName("db")
        .setState(ContainerState.CONTAINER_STATE_CREATED)
        .setPid(4242)
        .setCreatedAt(ts("2024-05-01T10:02:00Z"))
        .setImage("/srv/db")
        .addCommand("/bin/sleep")
        .addCommand("100")
        .setWorkdir("/")
        .build();
  }

  @Test
  void stateWithoutPrefix() {
    assertEquals("RUNNING", ContainerFormat.state(ContainerState.CONTAINER_STATE_RUNNING));
    assertEquals("UNSPECIFIED", ContainerFormat.state(ContainerState.CONTAINER_STATE_UNSPECIFIED));
    assertEquals("UNRECOGNIZED", ContainerFormat.state(ContainerState.UNRECOGNIZED));
    assertEquals("DELETED", ContainerFormat.state(ContainerState.CONTAINER_STATE_DELETED));
    assertEquals("CREATE_FAILED",
        ContainerFormat.state(ContainerState.CONTAINER_STATE_CREATE_FAILED));
  }

  @Test
  void historicalStatesHaveNoExitCodeUnlessOneWasKept() {
    Container failed = created().toBuilder().setPid(0)
        .setState(ContainerState.CONTAINER_STATE_CREATE_FAILED).build();
    assertEquals("-", ContainerFormat.exitCode(failed));
    assertEquals("-", ContainerFormat.exitCode(
        failed.toBuilder().setState(ContainerState.CONTAINER_STATE_DELETED).build()));
    assertEquals("7", ContainerFormat.exitCode(
        exited().toBuilder().setState(ContainerState.CONTAINER_STATE_DELETED).build()));
  }

  @Test
  void commandIsShellQuoted() {
    assertEquals("sh -c 'echo '\\''hi'\\''; exit 7'",
        ContainerFormat.command(exited().getCommandList()));
    assertEquals("/bin/sleep 100 ''", ContainerFormat.command(List.of("/bin/sleep", "100", "")));
  }

  @Test
  void exitCodeIsUnknownOnlyForAnExitedContainerWithoutOne() {
    assertEquals("7", ContainerFormat.exitCode(exited()));
    assertEquals("-", ContainerFormat.exitCode(created()));
    assertEquals("unknown", ContainerFormat.exitCode(exited().toBuilder().clearExitCode().build()));
    assertEquals("0", ContainerFormat.exitCode(exited().toBuilder().setExitCode(0).build()));
  }

  @Test
  void table() {
    assertEquals(
        "ID             NAME   STATE     PID    EXIT   CREATED                     COMMAND\n"
      + "0123456789ab   web    EXITED    -      7      2024-05-01T12:00:03+02:00   "
            + "sh -c 'echo '\\''hi'\\''; exit 7'\n"
      + "fedcba987654   db     CREATED   4242   -      2024-05-01T12:02:00+02:00   /bin/sleep 100\n",
        format.table(List.of(exited(), created())));
  }

  @Test
  void emptyTableHasAHeader() {
    assertEquals("ID   NAME   STATE   PID   EXIT   CREATED   COMMAND\n", format.table(List.of()));
  }

  @Test
  void detailsOfAnExitedContainer() {
    assertEquals(String.join("\n",
        "ID:        " + ID,
        "Name:      web",
        "State:     EXITED",
        "PID:       -",
        "Exit code: 7",
        "OOMKilled: false",
        "Created:   2024-05-01T12:00:03.123+02:00",
        "Started:   2024-05-01T12:00:04.000+02:00",
        "Finished:  2024-05-01T12:01:00.500+02:00",
        "Restart:   on-failure:3",
        "Restarts:  2",
        "Image:     /srv/rootfs",
        "Image ID:  sha256:" + ID,
        "Command:   sh -c 'echo '\\''hi'\\''; exit 7'",
        "Env:       A=1",
        "           PATH=/bin",
        "Workdir:   /tmp",
        "Read-only: true",
        "User:      1000:1000",
        "Network:   -",
        "Hostname:  -",
        "Address:   -",
        "Gateway:   -",
        "Ports:     -",
        "Mounts:    /srv/data:/data",
        "           tmpfs:/scratch:ro",
        "Resources: memory=16MiB",
        "           memory-swap=unlimited",
        "           cpus=0.5",
        "           cpu-shares=512",
        "           pids-limit=10",
        "           cpuset-cpus=0-1,3",
        "Labels:    app=web",
        "           tier=front",
        "Message:   -",
        "Log path:  /var/lib/conman/containers/" + ID + "/ctr.log",
        ""), format.details(exited()));
  }

  @Test
  void detailsAsOfASequenceEndWithIt() {
    String details = format.details(exited(), 5L);
    assertEquals(format.details(exited()) + "As of:     sequence 5\n", details);
  }

  @Test
  void jsonAsOfASequenceEndsWithIt() {
    String json = ContainerFormat.json(exited(), 5);
    assertEquals(ContainerFormat.json(exited()).replaceAll("}$", ",\"as_of_sequence\":5}"), json);
  }

  @Test
  void detailsShowUnsetFieldsAsDash() {
    String details = format.details(created());
    for (String line : List.of("PID:       4242", "Exit code: -", "OOMKilled: false",
        "Started:   -", "Finished:  -", "Restart:   no", "Restarts:  0", "Image ID:  -",
        "Env:       -", "User:      -", "Mounts:    -", "Resources: -", "Labels:    -", "Message:   -",
        "Log path:  -")) {
      assertEquals(true, details.contains(line + "\n"), line + " in\n" + details);
    }
  }

  @Test
  void jsonOfAnExitedContainer() {
    assertEquals("{\"id\":\"" + ID + "\",\"name\":\"web\",\"state\":\"EXITED\",\"pid\":0,"
        + "\"exit_code\":7,\"created_at\":\"2024-05-01T10:00:03.123456789Z\","
        + "\"started_at\":\"2024-05-01T10:00:04Z\",\"finished_at\":\"2024-05-01T10:01:00.500Z\","
        + "\"image\":\"/srv/rootfs\",\"command\":[\"sh\",\"-c\",\"echo 'hi'; exit 7\"],"
        + "\"env\":[\"A=1\",\"PATH=/bin\"],\"workdir\":\"/tmp\",\"read_only\":true,"
        + "\"labels\":{\"app\":\"web\",\"tier\":\"front\"},\"message\":\"\","
        + "\"log_path\":\"/var/lib/conman/containers/" + ID + "/ctr.log\","
        + "\"image_id\":\"sha256:" + ID + "\",\"restart_policy\":\"on-failure:3\","
        + "\"restart_count\":2,\"oom_killed\":false,"
        + "\"resources\":{\"memory_bytes\":16777216,\"memory_swap_bytes\":-1,\"cpus\":0.5,"
        + "\"cpu_shares\":512,\"pids_limit\":10,\"cpuset_cpus\":\"0-1,3\"},"
        + "\"user\":\"1000:1000\",\"network\":\"\",\"hostname\":\"\",\"ip_address\":\"\","
        + "\"ip_prefix_length\":0,\"gateway\":\"\",\"ports\":[],\"mounts\":[\"/srv/data:/data\",\"tmpfs:/scratch:ro\"]}",
        ContainerFormat.json(exited()));
  }

  @Test
  void jsonHasNullForUnsetExitCodeAndTimes() {
    String json = ContainerFormat.json(created());
    for (String member : List.of("\"pid\":4242", "\"exit_code\":null",
        "\"created_at\":\"2024-05-01T10:02:00Z\"", "\"started_at\":null", "\"finished_at\":null",
        "\"env\":[]", "\"labels\":{}", "\"read_only\":false", "\"image_id\":\"\"",
        "\"restart_policy\":\"\"", "\"restart_count\":0", "\"oom_killed\":false",
        "\"resources\":{\"memory_bytes\":null,\"memory_swap_bytes\":null,\"cpus\":null,"
            + "\"cpu_shares\":null,\"pids_limit\":null,\"cpuset_cpus\":\"\"}",
        "\"user\":\"\"")) {
      assertEquals(true, json.contains(member), member + " in " + json);
    }
  }

  @Test
  void anOomKilledContainerSaysSo() {
    Container killed = exited().toBuilder().setExitCode(137).setOomKilled(true).build();
    String details = format.details(killed);
    assertTrue(details.contains("Exit code: 137 (OOMKilled)\nOOMKilled: true\n"), details);
    assertTrue(ContainerFormat.json(killed).contains("\"exit_code\":137,"));
    assertTrue(ContainerFormat.json(killed).contains("\"oom_killed\":true,"));
  }

  @Test
  void resourcesInHumanUnitsOnlyThoseSet() {
    assertEquals(List.of(), ContainerFormat.resources(Resources.getDefaultInstance()));
    assertEquals(List.of("memory=1.5GiB", "memory-swap=3GiB", "cpus=2"),
        ContainerFormat.resources(Resources.newBuilder().setMemoryBytes(3L << 29)
            .setMemorySwapBytes(3L << 30).setCpus(2).build()));
    assertEquals(List.of("pids-limit=100"),
        ContainerFormat.resources(Resources.newBuilder().setPidsLimit(100).build()));
    String json = ContainerFormat.json(created().toBuilder()
        .setResources(Resources.newBuilder().setCpus(1.25)).build());
    assertTrue(json.contains("\"resources\":{\"memory_bytes\":null,\"memory_swap_bytes\":null,"
        + "\"cpus\":1.25,\"cpu_shares\":null,"), json);
  }

  @Test
  void jsonArrayForList() {
    assertEquals("[]", ContainerFormat.json(List.of()));
    assertEquals("[" + ContainerFormat.json(exited()) + "," + ContainerFormat.json(created()) + "]",
        ContainerFormat.json(List.of(exited(), created())));
  }

  @Test
  void deletedJson() {
    assertEquals("{\"id\":\"" + ID + "\"}", ContainerFormat.deletedJson(ID));
  }
}
