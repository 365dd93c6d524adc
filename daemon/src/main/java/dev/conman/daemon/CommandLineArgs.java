package dev.conman.daemon;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * conmand's command line, parsed by hand: eight options do not need picocli, whose classes (built
 * for Java 5, so never in the class-data archive) and reflective model cost about 100 ms of every
 * daemon start, a tenth of the restart budget. Accepts {@code --name=value} and {@code --name value},
 * as before; the usage text is the one picocli printed.
 */
final class CommandLineArgs {

  static final String USAGE = """
      Usage: conmand [-hV] [--conmon=PATH] [--default-network=NETWORK] [--root=DIR]
                     [--runtime=PATH] [--socket=PATH] [--socket-group=GROUP]
                     [--state=DIR]
      The conman container manager daemon: runs containers with runc and conmon,
      journals their lifecycle in SQLite, and serves the conman.v1 gRPC API on a Unix
      socket.
      Every option can also be set in conf/application.conf or by the environment
      variable shown.
            --conmon=PATH          The conmon shim binary, a path or a name on PATH
                                     (env CONMAN_CONMON; default conmon).
            --default-network=NETWORK
                                   What a container gets when its create names no
                                     network: bridge (the CNI bridge network,
                                     conman0), none (only loopback) or host (env
                                     CONMAN_DEFAULT_NETWORK; default bridge).
        -h, --help                 Show this help message and exit.
            --root=DIR             Persistent data: SQLite journal, logs, image
                                     root filesystems (env CONMAN_ROOT; default
                                     /var/lib/conman).
            --runtime=PATH         The OCI runtime binary, a path or a name on PATH
                                     (env CONMAN_RUNTIME; default runc).
            --socket=PATH          The API socket, created with mode 0660 (env
                                     CONMAN_SOCKET; default <state>/conman.sock).
            --socket-group=GROUP   Group owning the API socket; its members may use
                                     the API (env CONMAN_SOCKET_GROUP; default:
                                     root's group only).
            --state=DIR            Runtime data: socket, runc root, bundles, conmon
                                     exit files and sockets (env CONMAN_STATE;
                                     default /run/conman).
        -V, --version              Print version information and exit.

      Exit codes:
        0   stopped by SIGTERM or SIGINT
        1   could not start (the message says why)
        2   invalid command line
      """;

  static final String VERSION = "conmand 0.1.0";

  /** Options that take a value, with the label of the value for error messages. */
  private static final Map<String, String> VALUED = Map.of("--root", "DIR", "--state", "DIR",
      "--socket", "PATH", "--socket-group", "GROUP", "--runtime", "PATH", "--conmon", "PATH",
      "--default-network", "NETWORK");
  private static final Set<String> HELP = Set.of("-h", "--help");
  private static final Set<String> VERSION_FLAGS = Set.of("-V", "--version");
  /** For the launcher's class-data archive: run {@link CdsTraining} on scratch directories, then exit. */
  private static final String CDS_TRAINING = "--cds-training";

  /** What to do: run the daemon, or print usage or version and exit 0. */
  enum Action { RUN, HELP, VERSION }

  final Action action;
  private final Map<String, String> values;
  final boolean cdsTraining;

  private CommandLineArgs(Action action, Map<String, String> values, boolean cdsTraining) {
    this.action = action;
    this.values = values;
    this.cdsTraining = cdsTraining;
  }

  /** @throws IllegalArgumentException with picocli's wording, for an unknown option or a missing value */
  static CommandLineArgs parse(String... args) {
    Map<String, String> values = new HashMap<>();
    boolean cdsTraining = false;
    Action action = Action.RUN;
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      int eq = arg.indexOf('=');
      String name = name(arg);
      if (VALUED.containsKey(name)) {
        String value;
        if (eq > 0 && name.length() == eq) {
          value = arg.substring(eq + 1);
        } else if (i + 1 < args.length && !isOption(args[i + 1])) {
          value = args[++i];
        } else {
          throw new IllegalArgumentException(
              "Missing required parameter for option '" + name + "' (" + VALUED.get(name) + ")");
        }
        values.put(name, value);
      } else if (HELP.contains(arg)) {
        action = action == Action.RUN ? Action.HELP : action;
      } else if (VERSION_FLAGS.contains(arg)) {
        action = action == Action.RUN ? Action.VERSION : action;
      } else if (arg.equals(CDS_TRAINING)) {
        cdsTraining = true;
      } else if (arg.startsWith("-")) {
        throw new IllegalArgumentException("Unknown option: '" + arg + "'");
      } else {
        throw new IllegalArgumentException("Unmatched argument at index " + i + ": '" + arg + "'");
      }
    }
    return new CommandLineArgs(action, values, cdsTraining);
  }

  /** {@code --name} of {@code --name=value}. */
  private static String name(String arg) {
    int eq = arg.indexOf('=');
    return arg.startsWith("--") && eq > 0 ? arg.substring(0, eq) : arg;
  }

  /** As picocli: an option's name where a value is expected means the value is missing. */
  private static boolean isOption(String arg) {
    return VALUED.containsKey(name(arg)) || HELP.contains(arg) || VERSION_FLAGS.contains(arg)
        || arg.equals(CDS_TRAINING);
  }

  /** The command-line values, over which conf/application.conf and the environment give way. */
  DaemonSettings.Overrides overrides() {
    return new DaemonSettings.Overrides(path("--root"), path("--state"), path("--socket"),
        Optional.ofNullable(values.get("--socket-group")), Optional.ofNullable(values.get("--runtime")),
        Optional.ofNullable(values.get("--conmon")), Optional.ofNullable(values.get("--default-network")));
  }

  private Optional<Path> path(String name) {
    return Optional.ofNullable(values.get(name)).map(Path::of);
  }
}
