package dev.conman.daemon;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import dev.conman.api.NettyJfr;

/** {@code conmand}: the conman daemon. Runs in the foreground until SIGTERM or SIGINT. */
public final class Conmand {

  private final CommandLineArgs args;
  private final StartupWarmup warmup;

  private Conmand(CommandLineArgs args, StartupWarmup warmup) {
    this.args = args;
    this.warmup = warmup;
  }

  private int call() throws Exception {
    Config config = ConfigFactory.load();
    warmup.awaitLogging();
    DaemonSettings settings;
    try {
      settings = DaemonSettings.from(config, args.overrides());
    } catch (IllegalArgumentException e) {
      System.err.println("conmand: " + e.getMessage());
      return 1;
    }
    if (args.cdsTraining) {
      CdsTraining.run(settings, config);
      return 0;
    }
    Daemon daemon;
    try {
      daemon = Daemon.start(settings, config);
    } catch (IllegalStateException | java.io.IOException e) {
      System.err.println("conmand: " + e.getMessage());
      return 1;
    }
    java.util.concurrent.atomic.AtomicBoolean signalled = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicBoolean failed = new java.util.concurrent.atomic.AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      signalled.set(!failed.get());
      int status = failed.get() ? 1 : 0;
      try {
        daemon.close();
      } catch (Exception e) {
        System.err.println("conmand: error during shutdown: " + e);
        status = 1;
      }
      // a stop by SIGTERM or SIGINT is the normal end: exit 0, not the JVM's 128+signal
      Runtime.getRuntime().halt(status);
    }, "conmand-shutdown"));
    daemon.awaitTermination();
    if (!signalled.get()) {
      failed.set(true);
      System.err.println("conmand: the actor system stopped unexpectedly (see the log above)");
      return 1;
    }
    return 0;
  }

  /** JDK property for the size of the common ForkJoinPool. */
  static final String COMMON_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";

  /**
   * Gives the common pool at least two threads, before anything uses it. Pekko's asks answer through
   * Scala's CompletionStage, which runs even the non-async stages (thenApply, whenComplete) on
   * CompletableFuture's default executor; with one thread in the common pool (a 2-core machine)
   * that executor starts a new thread per task, so every reply to a gRPC call cost a thread.
   */
  static void ensureCommonPoolThreads() {
    if (System.getProperty(COMMON_PARALLELISM) == null) {
      int cores = Runtime.getRuntime().availableProcessors();
      System.setProperty(COMMON_PARALLELISM, Integer.toString(Math.max(2, cores - 1)));
    }
  }

  public static void main(String[] argv) {
    ensureCommonPoolThreads();
    NettyJfr.offUnlessSet();
    CommandLineArgs args;
    try {
      args = CommandLineArgs.parse(argv);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(CommandLineArgs.USAGE);
      System.exit(2);
      return;
    }
    switch (args.action) {
      case HELP -> System.out.print(CommandLineArgs.USAGE);
      case VERSION -> System.out.println(CommandLineArgs.VERSION);
      case RUN -> {
        StartupWarmup warmup = StartupWarmup.begin();
        int status;
        try {
          status = new Conmand(args, warmup).call();
        } catch (Exception | Error e) {
          // the actor system's threads would keep the JVM alive after a throw out of main
          e.printStackTrace();
          status = 1;
        }
        System.exit(status);
      }
    }
    System.exit(0);
  }
}
