package dev.conman.daemon;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code conmand}: the conman daemon. Runs in the foreground until SIGTERM or SIGINT. */
@Command(name = "conmand", mixinStandardHelpOptions = true, version = "conmand 0.1.0",
    description = "The conman container manager daemon: runs containers with runc and conmon, journals"
        + " their lifecycle in SQLite, and serves the conman.v1 gRPC API on a Unix socket.%n"
        + "Every option can also be set in conf/application.conf or by the environment variable shown.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:stopped by SIGTERM or SIGINT", "1:could not start (the message says why)",
        "2:invalid command line"})
public final class Conmand implements Callable<Integer> {

  @Option(names = "--root", paramLabel = "DIR",
      description = "Persistent data: SQLite journal, bundles, logs (env CONMAN_ROOT; default /var/lib/conman).")
  Path root;

  @Option(names = "--state", paramLabel = "DIR",
      description = "Runtime data: socket, runc root, conmon exit files and sockets (env CONMAN_STATE;"
          + " default /run/conman).")
  Path state;

  @Option(names = "--socket", paramLabel = "PATH",
      description = "The API socket, created with mode 0660 (env CONMAN_SOCKET; default <state>/conman.sock).")
  Path socket;

  @Option(names = "--socket-group", paramLabel = "GROUP",
      description = "Group owning the API socket; its members may use the API (env CONMAN_SOCKET_GROUP;"
          + " default: root's group only).")
  String socketGroup;

  @Option(names = "--runtime", paramLabel = "PATH",
      description = "The OCI runtime binary, a path or a name on PATH (env CONMAN_RUNTIME; default runc).")
  String runtime;

  @Option(names = "--conmon", paramLabel = "PATH",
      description = "The conmon shim binary, a path or a name on PATH (env CONMAN_CONMON; default conmon).")
  String conmon;

  @Option(names = "--default-network", paramLabel = "NETWORK",
      description = "What a container gets when its create names no network: bridge (the CNI bridge network,"
          + " conman0), none (only loopback) or host (env CONMAN_DEFAULT_NETWORK; default bridge).")
  String defaultNetwork;

  /** For the launcher's class-data archive: start everything, then stop at once. */
  @Option(names = "--exit-after-start", hidden = true)
  boolean exitAfterStart;

  @Override
  public Integer call() throws Exception {
    Config config = ConfigFactory.load();
    DaemonSettings settings;
    try {
      settings = DaemonSettings.from(config, new DaemonSettings.Overrides(Optional.ofNullable(root),
          Optional.ofNullable(state), Optional.ofNullable(socket), Optional.ofNullable(socketGroup),
          Optional.ofNullable(runtime),
          Optional.ofNullable(conmon), Optional.ofNullable(defaultNetwork)));
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
    if (exitAfterStart) {
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

  public static void main(String[] args) {
    System.exit(new CommandLine(new Conmand()).execute(args));
  }
}
