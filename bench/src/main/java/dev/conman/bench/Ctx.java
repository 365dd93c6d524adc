package dev.conman.bench;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/** What every scenario works with. */
public final class Ctx {

  public final boolean quick;
  public final Conmand daemon;
  public final BareRunc runc;
  /** conmand's runtime layer without the daemon (conmon and runc create, the start's handshake, runc delete). */
  final RuntimeFloor floor;
  public final Peers peers;
  public final Report report;
  public final Path rootfs;
  public final Path work;
  public final Path conmanctl;
  /** Prefix of every container name of this run: "b" + digits, then "-scenario-". */
  public final String run;
  /** daemon RSS right after its first start, kB. */
  public long idleFreshRssKb = -1;
  public String peerRestartSummary;
  private Api api;
  private final ExecutorService pool = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "bench-worker");
    t.setDaemon(true);
    return t;
  });

  public Ctx(boolean quick, Conmand daemon, BareRunc runc, RuntimeFloor floor, Peers peers, Report report, Path rootfs,
      Path work, Path conmanctl, String run) {
    this.quick = quick;
    this.daemon = daemon;
    this.runc = runc;
    this.floor = floor;
    this.peers = peers;
    this.report = report;
    this.rootfs = rootfs;
    this.work = work;
    this.conmanctl = conmanctl;
    this.run = run;
  }

  public synchronized Api api() {
    if (api == null) {
      api = new Api(daemon.socket(), rootfs);
    }
    return api;
  }

  /** A new channel (after a daemon restart: no waiting out the old channel's reconnect back-off). */
  public synchronized void reconnect() {
    if (api != null) {
      api.close();
    }
    api = null;
  }

  /**
   * Runs task(0..n-1) all at once (one thread each, released together by a gate) and returns
   * their results in order; the first failure is rethrown after all have finished.
   */
  public <T> List<T> parallel(int n, IntFunction<T> task) throws InterruptedException {
    CountDownLatch gate = new CountDownLatch(1);
    CountDownLatch ready = new CountDownLatch(n);
    List<Future<T>> futures = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      int k = i;
      futures.add(pool.submit(() -> {
        ready.countDown();
        gate.await();
        return task.apply(k);
      }));
    }
    ready.await();
    gate.countDown();
    return results(futures);
  }

  /** The futures' results in order (null for a failed one); the first failure is rethrown after all ended. */
  private static <T> List<T> results(List<Future<T>> futures) throws InterruptedException {
    List<T> out = new ArrayList<>();
    RuntimeException first = null;
    for (Future<T> f : futures) {
      try {
        out.add(f.get());
      } catch (ExecutionException e) {
        out.add(null);
        if (first == null) {
          first = e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e.getCause());
        }
      }
    }
    if (first != null) {
      throw first;
    }
    return out;
  }

  /** Runs task(0..n-1) with at most {@code width} in flight; results in order, first failure rethrown. */
  public <T> List<T> bounded(int n, int width, IntFunction<T> task) throws InterruptedException {
    ExecutorService fixed = Executors.newFixedThreadPool(width);
    try {
      List<Future<T>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        int k = i;
        futures.add(fixed.submit(() -> task.apply(k)));
      }
      return results(futures);
    } finally {
      fixed.shutdownNow();
    }
  }

  public ExecutorService pool() {
    return pool;
  }

  public void close() {
    reconnect();
    pool.shutdownNow();
  }

  /**
   * Iterations of a scenario: {@code CONMAN_BENCH_<SCENARIO>_N} from the environment when set (more
   * iterations to resolve a difference of a millisecond or two on a loaded machine), else the default.
   */
  static int iterations(String scenario, int byDefault) {
    String n = System.getenv("CONMAN_BENCH_" + scenario + "_N");
    return n == null || n.isBlank() ? byDefault : Integer.parseInt(n.strip());
  }
}
