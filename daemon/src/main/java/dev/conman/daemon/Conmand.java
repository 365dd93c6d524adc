package dev.conman.daemon;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

/** {@code conmand}: the conman daemon. Runs in the foreground until SIGTERM or SIGINT. */
public final class Conmand {

  private final CommandLineArgs args;

  private Conmand(CommandLineArgs args) {
    this.args = args;
  }

  private int call() throws Exception {
    Config config = ConfigFactory.load();
    DaemonSettings settings;
    try {
      settings = DaemonSettings.from(config, args.overrides());
    } catch (IllegalArgumentException e) {
      System.err.println("conmand: " + e.getMessage());
      return 1;
    }
    Daemon daemon;
    try {
      daemon = Daemon.start(settings, config);
    } catch (IllegalStateException | java.io.IOException e) {
      System.err.println("conmand: " + e.getMessage());
      return 1;
    }
    if (args.exitAfterStart) {
      daemon.close();
      return 0;
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

  public static void main(String[] argv) {
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
        int status;
        try {
          status = new Conmand(args).call();
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
