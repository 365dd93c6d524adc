package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Message;
import dev.conman.api.v1.ContainerStatsRequest;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.ListContainerStatsRequest;
import dev.conman.api.v1.Resources;
import dev.conman.api.v1.UpdateContainerRequest;
import java.io.IOException;
import java.io.Writer;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart policies, resource limits, security options, update and stats, end to end against
 * the fake daemon ({@link FakeRuntime}): requests sent, output, exit status.
 */
class LimitsEndToEndTest {
  /** Stats of the fake: web at 50 % of a CPU, db at 200 % (two CPUs), whatever the interval. */
  private static final String LIST_TABLE =
      "ID             NAME   CPU %     MEM USAGE / LIMIT    MEM %    PIDS\n"
    + "web000000000   web    50.00%    16MiB / 64MiB        25.00%   3\n"
    + "db0000000000   db     200.00%   100MiB / unlimited   -        3\n";

  @TempDir Path tmp;
  private Path socket;
  private final FakeDaemon daemon = new FakeDaemon();
  private final FakeRuntime fake = daemon.runtime;


  @BeforeEach
  void startFakeDaemon() throws IOException {
    socket = tmp.resolve("conman.sock");
    daemon.start(socket);
  }

  @AfterEach
  void stopFakeDaemon() throws InterruptedException {
    daemon.close();
  }

  private CliRun conmanctl(String... args) {
    return CliRun.on(socket, args);
  }

  private CliRun conmanctl(Writer out, String... args) {
    return CliRun.on(socket, out, args);
  }

  private <T extends Message> List<T> sent(Class<T> type) {
    return fake.requests.stream().filter(type::isInstance).map(type::cast)
        .collect(Collectors.toList());
  }

  @Test
  void createSendsThePolicyTheLimitsAndTheSecurityOptions() {
    CliRun r = conmanctl("container", "create", "--image", "/r", "--restart", "on-failure:3",
        "--memory", "16m", "--memory-swap", "-1", "--cpus", "0.5", "--cpu-shares", "512",
        "--pids-limit", "10", "--cpuset-cpus", "0-1", "--user", "1000:1000", "--cap-drop", "ALL",
        "--cap-add", "CHOWN", "--privileged", "--allow-new-privileges", "c1", "/bin/true");
    assertEquals(new CliRun(0, FakeRuntime.idFor("c1") + "\n", ""), r);
    assertEquals(CreateContainerRequest.newBuilder()
        .setName("c1").setImage("/r").addCommand("/bin/true")
        .setRestartPolicy("on-failure:3")
        .setResources(Resources.newBuilder().setMemoryBytes(16L << 20).setMemorySwapBytes(-1)
            .setCpus(0.5).setCpuShares(512).setPidsLimit(10).setCpusetCpus("0-1"))
        .setUser("1000:1000").addCapDrop("ALL").addCapAdd("CHOWN")
        .setPrivileged(true).setAllowNewPrivileges(true)
        .build(), sent(CreateContainerRequest.class).get(0));
  }

  @Test
  void aBadRestartPolicyIsAUsageErrorAndNothingIsSent() {
    CliRun r = conmanctl("container", "create", "--image", "/r", "--restart", "never", "c1",
        "/bin/true");
    assertEquals(new CliRun(ExitCodes.USAGE, "", "conmanctl: Invalid value for option"
        + " '--restart': 'never' is not a restart policy: use no, on-failure, on-failure:MAX (MAX"
        + " a positive number of restarts), always or unless-stopped\n"
        + "Run 'conmanctl container create --help' for usage.\n"), r);
    assertTrue(fake.requests.isEmpty());
  }

  @Test
  void aBadSizeInRunIsAUsageErrorNot125() {
    CliRun r = conmanctl("run", "--image", "/r", "--memory", "16mb2", "c1", "/bin/true");
    assertEquals(ExitCodes.USAGE, r.status());
    assertTrue(r.err().startsWith("conmanctl: Invalid value for option '--memory': '16mb2' is"
        + " not a size"), r.err());
    assertTrue(fake.requests.isEmpty());
  }

  @Test
  void runSendsTheLimits() {
    assertEquals(7, conmanctl("run", "--image", "/r", "--restart", "always", "--pids-limit",
        "5", "c1", "/bin/true").status());
    CreateContainerRequest sent = sent(CreateContainerRequest.class).get(0);
    assertEquals("always", sent.getRestartPolicy());
    assertEquals(Resources.newBuilder().setPidsLimit(5).build(), sent.getResources());
  }

  @Test
  void updateSendsOnlyTheLimitsGivenAndPrintsTheIds() {
    CliRun r = conmanctl("container", "update", "--memory", "64m", "--cpus", "1.5", "c1", "c2");
    assertEquals(new CliRun(0, FakeRuntime.idFor("c1") + "\n" + FakeRuntime.idFor("c2") + "\n",
        ""), r);
    Resources limits = Resources.newBuilder().setMemoryBytes(64L << 20).setCpus(1.5).build();
    assertEquals(List.of(
        UpdateContainerRequest.newBuilder().setRef("c1").setResources(limits).build(),
        UpdateContainerRequest.newBuilder().setRef("c2").setResources(limits).build()),
        sent(UpdateContainerRequest.class));
    assertTrue(fake.deadlines.get("update").isPresent(), "update has a deadline");
  }

  @Test
  void updateAsJsonPrintsTheUpdatedContainer() {
    CliRun r = conmanctl("-o", "json", "container", "update", "--pids-limit", "20", "c1");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("\"resources\":{\"memory_bytes\":null,\"memory_swap_bytes\":null,"
        + "\"cpus\":null,\"cpu_shares\":null,\"pids_limit\":20,\"cpuset_cpus\":\"\"}"), r.out());
    assertEquals(1, r.out().lines().count());
  }

  @Test
  void updateWithoutALimitIsAUsageError() {
    CliRun r = conmanctl("container", "update", "c1");
    assertEquals(new CliRun(ExitCodes.USAGE, "", "conmanctl: nothing to update: give --restart or at least one"
        + " of --memory, --memory-swap, --cpus, --cpu-shares, --pids-limit or --cpuset-cpus\n"
        + "Run 'conmanctl container update --help' for usage.\n"), r);
    assertTrue(fake.requests.isEmpty());
  }

  @Test
  void updateTriesEveryRefAndExitsWithTheFirstFailure() {
    CliRun r = conmanctl("container", "update", "--cpus", "1", "missing1", "c1", "nostart1");
    assertEquals(ExitCodes.NOT_FOUND, r.status());
    assertEquals(FakeRuntime.idFor("c1") + "\n", r.out());
    assertEquals("conmanctl: NOT_FOUND: no container with id or name 'missing1'\n"
        + "conmanctl: FAILED_PRECONDITION: refused for 'nostart1'\n", r.err());
  }

  @Test
  void statusShowsPolicyLimitsUserAndOom() {
    CliRun r = conmanctl("container", "status", "oom1");
    assertEquals(0, r.status());
    for (String line : List.of("State:     EXITED", "Exit code: 137 (OOMKilled)",
        "OOMKilled: true", "Restart:   on-failure:3", "Restarts:  3",
        "Image ID:  sha256:" + "ab".repeat(32), "User:      1000:1000",
        "Resources: memory=16MiB\n           pids-limit=10")) {
      assertTrue(r.out().contains(line + "\n"), line + " in\n" + r.out());
    }
    CliRun json = conmanctl("-o", "json", "container", "inspect", "oom1");
    assertEquals(ContainerFormat.json(FakeRuntime.oomKilled("oom1")) + "\n", json.out());
    assertTrue(json.out().contains("\"oom_killed\":true"), json.out());
  }

  @Test
  void statsOfEveryContainerNeedTwoSamples() {
    CliRun r = conmanctl("stats", "--no-stream", "--interval", "0.01");
    assertEquals(new CliRun(0, LIST_TABLE, ""), r);
    assertEquals(2, sent(ListContainerStatsRequest.class).size());
    assertTrue(fake.deadlines.get("liststats").isPresent(), "each sample has a deadline");
  }

  @Test
  void statsOfSomeContainers() {
    CliRun r = conmanctl("container", "stats", "--no-stream", "--interval", "0.01", "c1", "c2");
    assertEquals(new CliRun(0,
        "ID             NAME   CPU %    MEM USAGE / LIMIT   MEM %    PIDS\n"
      + "c10000000000   c1     25.00%   8MiB / 32MiB        25.00%   3\n"
      + "c20000000000   c2     25.00%   8MiB / 32MiB        25.00%   3\n", ""), r);
    assertEquals(List.of("c1", "c2", "c1", "c2"), sent(ContainerStatsRequest.class).stream()
        .map(ContainerStatsRequest::getRef).collect(Collectors.toList()));
    assertTrue(sent(ListContainerStatsRequest.class).isEmpty());
  }

  @Test
  void aMissingContainerIsReportedOnceAndLeftOut() {
    CliRun r = conmanctl("stats", "--no-stream", "--interval", "0.01", "c1", "missing1");
    assertEquals(ExitCodes.NOT_FOUND, r.status());
    assertEquals("ID             NAME   CPU %    MEM USAGE / LIMIT   MEM %    PIDS\n"
        + "c10000000000   c1     25.00%   8MiB / 32MiB        25.00%   3\n", r.out());
    assertEquals("conmanctl: NOT_FOUND: no container with id or name 'missing1'\n", r.err());
    assertEquals(List.of("c1", "missing1", "c1"), sent(ContainerStatsRequest.class).stream()
        .map(ContainerStatsRequest::getRef).collect(Collectors.toList()));
  }

  @Test
  void statsOfOnlyMissingContainersEndAtOnce() {
    CliRun r = conmanctl("stats", "missing1", "missing2");
    assertEquals(new CliRun(ExitCodes.NOT_FOUND, "",
        "conmanctl: NOT_FOUND: no container with id or name 'missing1'\n"
            + "conmanctl: NOT_FOUND: no container with id or name 'missing2'\n"), r);
    assertEquals(2, fake.requests.size());
  }

  @Test
  void streamingStatsEndWhenTheirLastContainerHasGone() {
    CliRun r = conmanctl("stats", "--interval", "0.01", "gone1");
    assertEquals(new CliRun(ExitCodes.NOT_FOUND, "",
        "conmanctl: NOT_FOUND: no container with id or name 'gone1'\n"), r);
  }

  @Test
  void streamingStatsGoOnWithoutAContainerThatHasGone() {
    CliRun r = conmanctl(new ClosingWriter(2), "stats", "--interval", "0.01", "c1", "gone1");
    assertEquals(ExitCodes.NOT_FOUND, r.status());
    assertEquals("conmanctl: NOT_FOUND: no container with id or name 'gone1'\n", r.err());
    String c1 = "ID             NAME   CPU %    MEM USAGE / LIMIT   MEM %    PIDS\n"
        + "c10000000000   c1     25.00%   8MiB / 32MiB        25.00%   3\n";
    assertEquals(c1 + "\n" + c1, r.out());
    assertEquals(List.of("c1", "gone1", "c1", "gone1", "c1", "c1"),
        sent(ContainerStatsRequest.class).stream().map(ContainerStatsRequest::getRef)
            .collect(Collectors.toList()));
  }

  @Test
  void statsAsJsonAreOneArrayPerRound() {
    CliRun r = conmanctl("-o", "json", "stats", "--no-stream", "--interval", "0.01");
    assertEquals(0, r.status());
    assertEquals(1, r.out().lines().count(), r.out());
    assertTrue(r.out().startsWith("[{\"id\":\"" + FakeRuntime.idFor("web") + "\",\"name\":\"web\","
        + "\"time\":\"2024-05-01T10:00:02Z\",\"cpu_nanos\":1000000000,\"memory_bytes\":16777216,"
        + "\"memory_limit_bytes\":67108864,\"pids\":3,\"cpu_percent\":50.00},"), r.out());
    assertTrue(r.out().endsWith("\"cpu_percent\":200.00}]\n"), r.out());
  }

  @Test
  void statsRedrawEveryIntervalUntilStdoutCloses() {
    CliRun r = conmanctl(new ClosingWriter(3), "stats", "--interval", "0.01");
    assertEquals(new CliRun(0, LIST_TABLE + "\n" + LIST_TABLE + "\n" + LIST_TABLE, ""), r);
    assertEquals(5, sent(ListContainerStatsRequest.class).size(),
        "a first sample, three tables, and the one that found stdout closed");
  }

  /** stdout that takes {@code tables} stats tables, then fails like a pipe whose reader left. */
  private static final class ClosingWriter extends Writer {
    private final StringBuilder text = new StringBuilder();
    private final int tables;
    private int written;

    ClosingWriter(int tables) {
      this.tables = tables;
    }

    @Override
    public void write(char[] buf, int off, int len) throws IOException {
      String s = new String(buf, off, len);
      if (s.contains("ID ") && written++ == tables) {
        throw new IOException("Broken pipe");
      }
      text.append(s);
    }

    @Override
    public void flush() {}

    @Override
    public void close() {}

    @Override
    public String toString() {
      return text.toString();
    }
  }

  @Test
  void statsHelpExplainsThePercentage() {
    CliRun r = conmanctl("stats", "--help");
    assertEquals(0, r.status());
    assertTrue(r.out().contains("CPU % is of one CPU: 200% is two CPUs' worth."), r.out());
  }
}
