package dev.conman.cli;

import dev.conman.api.NettyJfr;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.logging.Level;
import java.util.logging.Logger;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.IVersionProvider;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;
import picocli.CommandLine.ScopeType;
import picocli.CommandLine.Spec;
import picocli.CommandLine.UnmatchedArgumentException;

/**
 * conmanctl, the command-line client of conmand: the top command, its global options, and how
 * failures become messages on stderr and exit codes ({@link ExitCodes}).
 */
@Command(
    name = "conmanctl",
    // inherited by every subcommand: -h/--help and -V/--version (with this version provider)
    scope = ScopeType.INHERIT,
    mixinStandardHelpOptions = true,
    versionProvider = Conmanctl.Version.class,
    // the subcommands are in CommandTree: a run builds those its arguments name
    description = "Command-line client of conmand, the conman container manager daemon.",
    footerHeading = "%n",
    footer = "A container is addressed by its full id, a unique prefix of its id, or its name (REF).")
public final class Conmanctl implements Callable<Integer> {
  static final String DEFAULT_SOCKET = "/run/conman/conman.sock";

  @Spec CommandSpec spec;

  private final Stdio stdio;

  private Conmanctl(Stdio stdio) {
    this.stdio = stdio;
  }

  @Option(names = "--socket", paramLabel = "PATH", scope = ScopeType.INHERIT,
      defaultValue = "${env:CONMAN_SOCKET:-" + DEFAULT_SOCKET + "}",
      description = "Unix socket of conmand (default: $CONMAN_SOCKET if set, else "
          + DEFAULT_SOCKET + ").")
  Path socket;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", scope = ScopeType.INHERIT,
      defaultValue = "table",
      description = "Output format: table (for people, the default) or json (for scripts: one"
          + " object per line for each container acted on and each event, an array for list and"
          + " for each round of stats).")
  OutputFormat output;

  private Duration timeout = Duration.ofSeconds(30);

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "30",
      description = "Deadline of each call to the daemon, in seconds (default: ${DEFAULT-VALUE})."
          + " stop adds its own --timeout to it; wait and run (without -d) wait without limit"
          + " for the container to exit, exec for the process to exit; events --follow and logs"
          + " --follow stream without limit.")
  void timeout(int seconds) {
    if (seconds <= 0) {
      throw new ParameterException(spec.commandLine(),
          "--timeout must be a positive number of seconds, not " + seconds);
    }
    timeout = Duration.ofSeconds(seconds);
  }

  Path socket() {
    return socket;
  }

  OutputFormat output() {
    return output;
  }

  Duration timeout() {
    return timeout;
  }

  Stdio stdio() {
    return stdio;
  }

  @Override
  public Integer call() {
    return missingCommand(spec);
  }

  /** A noun given without a verb: show what it offers (on stderr: it is a usage error). */
  static int missingCommand(CommandSpec spec) {
    spec.commandLine().getErr().println("conmanctl: missing command");
    spec.commandLine().usage(spec.commandLine().getErr());
    return ExitCodes.USAGE;
  }

  /** The configured command line with every command, on conmanctl's own stdin, stdout and stderr. */
  public static CommandLine commandLine() {
    return commandLine(Stdio.system());
  }

  /**
   * The configured command line with every command; tests call it too, with their own out and err
   * (for conmanctl's messages) and stdio (for a container's bytes).
   */
  static CommandLine commandLine(Stdio stdio) {
    CommandLine cmd = new CommandLine(new Conmanctl(stdio));
    CommandTree.addAll(cmd, CommandTree.ROOT);
    return configure(cmd);
  }

  /** The configured command line with the commands that {@code args} need ({@link CommandTree}). */
  static CommandLine commandLine(Stdio stdio, String... args) {
    CommandLine cmd = new CommandLine(new Conmanctl(stdio));
    CommandTree.addFor(cmd, CommandTree.ROOT, List.of(args));
    return configure(cmd);
  }

  /** Settings for the whole tree: picocli hands them down to the subcommands present. */
  private static CommandLine configure(CommandLine cmd) {
    cmd.setCaseInsensitiveEnumValuesAllowed(true);
    // the exit status table only on the top command (annotation attributes would be inherited)
    cmd.getCommandSpec().usageMessage()
        .exitCodeListHeading("%nExit status:%n").exitCodeList(ExitCodes.table());
    cmd.setParameterExceptionHandler(Conmanctl::onUsageError);
    cmd.setExecutionExceptionHandler(Conmanctl::onFailure);
    stopOptionsAtName(cmd);
    return cmd;
  }

  /**
   * In create, run and exec, everything after the first positional is the process's command, as
   * in docker run: {@code run --image DIR c1 sh -c 'exit 7'} must not take -c for an option of
   * conmanctl's ({@link TrailingCommand}).
   */
  private static void stopOptionsAtName(CommandLine cmd) {
    CommandSpec spec = cmd.getCommandSpec();
    boolean trailing = spec.userObject() instanceof TrailingCommand
        || spec.mixins().values().stream()
            .anyMatch(mixin -> mixin.userObject() instanceof TrailingCommand);
    if (trailing) {
      cmd.setStopAtPositional(true);
    }
    cmd.getSubcommands().values().forEach(Conmanctl::stopOptionsAtName);
  }

  public static void main(String[] args) {
    quietLibraryLogging();
    NettyJfr.offUnlessSet();
    CommandLine cmd = commandLine(Stdio.system(), args);
    // Directly on System.out, so that checkError() reports a closed pipe: 'events -f | head -1'
    // must end once head has gone (picocli's default writer hides stdout's errors).
    cmd.setOut(new PrintWriter(System.out, true));
    System.exit(cmd.execute(args));
  }

  /**
   * stderr is for conmanctl's own messages. grpc and netty log through java.util.logging, and
   * netty warns about every unix-socket connection ("Unknown channel option 'SO_KEEPALIVE'",
   * grpc-java#10408); failures reach the user as gRPC status anyway.
   */
  private static void quietLibraryLogging() {
    Logger.getLogger("").setLevel(Level.SEVERE);
  }

  private static int onUsageError(ParameterException e, String[] args) {
    CommandLine cmd = e.getCommandLine();
    PrintWriter err = cmd.getErr();
    err.println("conmanctl: " + e.getMessage());
    UnmatchedArgumentException.printSuggestions(e, err);
    err.println("Run '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
    err.flush();
    return ExitCodes.USAGE;
  }

  private static int onFailure(Exception e, CommandLine cmd, ParseResult parsed) {
    PrintWriter err = cmd.getErr();
    int status;
    if (e instanceof StatusRuntimeException) {
      err.println("conmanctl: " + Console.describe((StatusRuntimeException) e));
      status = ExitCodes.of((StatusRuntimeException) e);
    } else if (e instanceof CliException) {
      err.println("conmanctl: " + e.getMessage());
      status = ((CliException) e).exitCode();
    } else {
      err.println("conmanctl: internal error (a bug in conmanctl):");
      e.printStackTrace(err);
      status = ExitCodes.ERROR;
    }
    err.flush();
    Object command = cmd.getCommand();
    return command instanceof DaemonCommand ? ((DaemonCommand) command).failureExitCode(status)
        : status;
  }

  /** The version from the jar's manifest (set by the build), or "development build". */
  static final class Version implements IVersionProvider {
    @Override
    public String[] getVersion() {
      String version = Conmanctl.class.getPackage().getImplementationVersion();
      return new String[] {"conmanctl " + (version == null ? "(development build)" : version)};
    }
  }
}
