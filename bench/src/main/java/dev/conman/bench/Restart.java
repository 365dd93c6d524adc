package dev.conman.bench;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Daemon crash and restart with containers running: SIGKILL conmand, spawn it again, and time
 * (from the spawn) until ListContainers first answers and until it lists all the running
 * containers as RUNNING. Until the socket accepts a connection, polls it every 5 ms with a bare
 * connect; then lists every 10 ms on a fresh channel each time. The killed daemon leaves its socket
 * file behind, and a list on a fresh channel costs this JVM about 3 ms of CPU even when the
 * connection is refused: listing from the spawn on took 120-170 ms of this JVM's CPU per restart,
 * on the two cores the restarting daemon is using; probing first, 20-50 ms.
 * <ul>
 *   <li>restart50: 50 running
 *   <li>restart1000: 900 containers created and deleted (journaled history), 100 running
 * </ul>
 */
final class Restart {

  static void run50(Ctx c) throws Exception {
    int reps = c.quick ? 2 : 5;
    String prefix = c.run + "-r50-";
    try {
      startRunning(c, prefix, 50);
      measure(c, "restart50", prefix, 50, reps, Target.max(1000, "ms"));
      if (c.peerRestartSummary != null) {
        c.report.note("containerd restart with 50 running (bench-restart.sh, not interleaved): "
            + c.peerRestartSummary);
      }
    } finally {
      Bench.cleanUp(c, prefix);
    }
  }

  static void run1000(Ctx c) throws Exception {
    int reps = c.quick ? 1 : 3;
    String prefix = c.run + "-r1k-";
    try {
      long t0 = System.nanoTime();
      c.bounded(900, 8, i -> {
        Container ct = c.api().create(prefix + "gone-" + i, "/bin/sleep", "300");
        c.api().delete(ct.getId(), true);
        return null;
      });
      System.out.printf("  restart1000: 900 created+deleted in %.1f s%n", (System.nanoTime() - t0) / 1e9);
      startRunning(c, prefix + "run-", 100);
      measure(c, "restart1000", prefix + "run-", 100, reps, Target.max(2000, "ms"));
    } finally {
      Bench.cleanUp(c, prefix);
    }
  }

  static void startRunning(Ctx c, String prefix, int n) throws InterruptedException {
    c.bounded(n, 25, i -> {
      Container ct = c.api().create(prefix + i, "/bin/sleep", "300");
      return c.api().start(ct.getId());
    });
    Parallel.waitFor(() -> c.api().countRunning(prefix) == n, n + " running");
  }

  private static void measure(Ctx c, String scenario, String prefix, int n, int reps, Target target)
      throws Exception {
    List<Double> first = new ArrayList<>();
    List<Double> all = new ArrayList<>();
    for (int k = 0; k < reps; k++) {
      c.reconnect();
      c.daemon.kill9();
      long[] cpu0 = Procs.cpuMs(ProcessHandle.current().pid());
      long t0 = System.nanoTime();
      c.daemon.spawn();
      long tFirst = 0;
      boolean up = false;
      long deadline = t0 + 120_000_000_000L;
      while (true) {
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException(scenario + ": not all " + n + " RUNNING within 120 s after restart");
        }
        if (!c.daemon.alive()) {
          throw new IllegalStateException(scenario + ": conmand exited after restart");
        }
        up = up || accepting(c.daemon.socket());
        List<Container> listed = up ? listFresh(c) : null;
        if (listed != null) {
          if (tFirst == 0) {
            tFirst = System.nanoTime();
          }
          long running = listed.stream().filter(x -> x.getName().startsWith(prefix)
              && x.getState() == ContainerState.CONTAINER_STATE_RUNNING).count();
          if (running == n) {
            break;
          }
        }
        Procs.sleep(up ? 10 : 5);
      }
      long t1 = System.nanoTime();
      first.add(OneShot.ms(tFirst - t0));
      all.add(OneShot.ms(t1 - t0));
      long[] cpu1 = Procs.cpuMs(ProcessHandle.current().pid());
      System.out.printf("  %s restart %d: first answer %.0f ms, all %d RUNNING %.0f ms (this JVM's CPU meanwhile:"
          + " %d ms)%n", scenario, k, OneShot.ms(tFirst - t0), n, OneShot.ms(t1 - t0),
          cpu1[0] + cpu1[1] - cpu0[0] - cpu0[1]);
      Procs.sleep(1000);
    }
    c.report.add(scenario, "conman all-running", Stats.of(all), "ms", null, target, null);
    c.report.add(scenario, "conman first-answer", Stats.of(first), "ms", null, null, null);
  }

  /** Whether something listens on {@code socket}: a connect and a close, no gRPC. */
  private static boolean accepting(java.nio.file.Path socket) {
    try (java.nio.channels.SocketChannel probe = java.nio.channels.SocketChannel.open(
        java.net.UnixDomainSocketAddress.of(socket))) {
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }

  private static List<Container> listFresh(Ctx c) {
    if (!java.nio.file.Files.exists(c.daemon.socket())) {
      return null;
    }
    ManagedChannel ch = Conmand.channel(c.daemon.socket());
    try {
      return RuntimeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(5, TimeUnit.SECONDS)
          .listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
    } catch (RuntimeException e) {
      return null;
    } finally {
      ch.shutdownNow();
    }
  }
}
