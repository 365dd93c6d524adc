package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.SortedSet;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class ResourcesTest {

  private static final long MIB = 1 << 20;

  @Test
  void cpusBecomeQuotaPerTheDefaultPeriod() {
    Resources half = Resources.cpus(0.5);
    assertEquals(50_000L, half.cpuQuota());
    assertEquals(100_000L, half.cpuPeriod());
    assertEquals(Optional.of(0.5), half.cpus());
    assertEquals(150_000L, Resources.cpus(1.5).cpuQuota());
    assertEquals(1_000L, Resources.cpus(0.01).cpuQuota());
    assertEquals(Optional.empty(), Resources.NONE.cpus());
    assertTrue(Resources.NONE.isEmpty());
    assertEquals(false, Resources.cpus(1).isEmpty());
  }

  @Test
  void acceptsSensibleLimits() {
    Resources r = new Resources(16 * MIB, 32 * MIB, 50_000L, 100_000L, 512L, 10L, " 0-1,3 ");
    assertEquals("0-1,3", r.cpusetCpus());
    assertEquals(-1L, Resources.NONE.withMemory(16 * MIB).withMemorySwap(-1L).memorySwapBytes());
    assertEquals(16 * MIB, new Resources(16 * MIB, 16 * MIB, null, null, null, null, null).memorySwapBytes());
  }

  @Test
  void rejectsNegativeAndAbsurdLimitsWithTheReason() {
    assertMessage("not positive", () -> Resources.NONE.withMemory(-1L));
    assertMessage("minimum is 6291456", () -> Resources.NONE.withMemory(1000L));
    assertMessage("-1 for unlimited", () -> Resources.NONE.withMemory(16 * MIB).withMemorySwap(-2L));
    assertMessage("must not be smaller than the memory limit",
        () -> new Resources(32 * MIB, 16 * MIB, null, null, null, null, null));
    assertMessage("at least 1000", () -> new Resources(null, null, 10L, null, null, null, null));
    assertMessage("between 1000 and 1000000", () -> new Resources(null, null, null, 5_000_000L, null, null, null));
    assertMessage("between 2 and 262144", () -> Resources.NONE.withCpuShares(0L));
    assertMessage("between 2 and 262144", () -> Resources.NONE.withCpuShares(1L << 40));
    assertMessage("pids limit 0 must be positive", () -> Resources.NONE.withPidsLimit(0L));
    assertMessage("pids limit -5 must be positive", () -> Resources.NONE.withPidsLimit(-5L));
    assertMessage("positive number", () -> Resources.cpus(-1));
    assertMessage("positive number", () -> Resources.cpus(Double.NaN));
    assertMessage("positive number", () -> Resources.cpus(Double.POSITIVE_INFINITY));
    assertMessage("minimum is 0.01", () -> Resources.cpus(0.001));
  }

  @Test
  void parsesCpuListsAndRejectsBadSyntax() {
    assertEquals(new TreeSet<>(List.of(0, 1, 3)), Resources.parseCpuList("0-1,3"));
    assertEquals(new TreeSet<>(List.of(2)), Resources.parseCpuList("2"));
    assertEquals(new TreeSet<>(List.of(4, 5, 6)), Resources.parseCpuList("4-6"));
    for (String bad : List.of("", "a", "0-", "-1", "1,,2", "0 - 1", "1;2", "0-1-2", ",1")) {
      assertMessage("not a CPU list", () -> Resources.NONE.withCpusetCpus(bad));
    }
    assertMessage("descending", () -> Resources.NONE.withCpusetCpus("3-1"));
    assertMessage("beyond 8191", () -> Resources.NONE.withCpusetCpus("0-99999999999"));
    assertMessage("beyond 8191", () -> Resources.NONE.withCpusetCpus("9000"));
  }

  @Test
  void theHostCheckNamesMissingCpusAndTooLargeQuotas() {
    Resources.NONE.withCpusetCpus("0-1").checkHost("0-1");
    Resources.cpus(2).checkHost("0-1");
    assertMessage("does not have: [3]", () -> Resources.NONE.withCpusetCpus("0,3").checkHost("0-1"));
    assertMessage("CPUs 4.00 is more than this host has: 2 are online", () -> Resources.cpus(4).checkHost("0-1"));
    SortedSet<Integer> online = Resources.parseCpuList("0-1");
    assertEquals(2, online.size());
    Resources.NONE.checkHost();
  }

  private static void assertMessage(String fragment, Executable call) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
