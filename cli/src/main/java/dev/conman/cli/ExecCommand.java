package dev.conman.cli;

import dev.conman.api.v1.ExecSpec;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * exec: the streamed Exec RPC ({@link ExecSession}), without deadline: it lasts as long as the
 * process. Exits with the process's exit code, like docker exec; 125 when conmanctl or the daemon
 * failed. Ctrl-C cancels the call through a shutdown hook, and the daemon kills the process.
 */
@Command(name = "exec",
    description = {"Run a command in a running container. Its stdout and stderr are copied to"
        + " conmanctl's as they come; conmanctl exits with its exit code (125 if conmanctl or the"
        + " daemon failed, for instance FAILED_PRECONDITION for a container that is not running).",
        "Without -i the process's stdin is closed at once. Ctrl-C kills the process (exit status"
        + " 130); so does closing conmanctl's stdout or stderr (| head; exit status 141).",
        "With -t the process gets a terminal of conmanctl's terminal's size, which follows it; with"
        + " -it at a terminal, conmanctl's is in raw mode, so every key (Ctrl-C, Ctrl-D) goes to"
        + " the process, whose terminal echoes."})
final class ExecCommand extends DaemonCommand implements TrailingCommand {
  @Option(names = {"-i", "--interactive"},
      description = "Copy conmanctl's stdin to the process until EOF, then close its stdin.")
  boolean interactive;

  @Option(names = {"-d", "--detach"},
      description = "Run it in the background, as docker exec -d: no stdin, its output discarded. Prints the"
          + " exec session's id (its exec_exited event, with the exit code, tells how it ended) and exits 0 once"
          + " the command runs; 127 or 126 if it cannot. The command runs on if the daemon restarts.")
  boolean detach;

  @Option(names = {"-t", "--tty"},
      description = "Give the process a pseudo-terminal (its output is then all on stdout).")
  boolean tty;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE",
      description = CreateOptions.ENV_DESCRIPTION + " Added to the container's environment.")
  List<String> env = new ArrayList<>();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR",
      description = "Working directory inside the container (default: the container's).")
  String workdir;

  int timeoutSeconds;

  @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "0",
      description = "Kill the process after this many seconds; 0 (the default) means no limit."
          + " Not the global --timeout, which goes before 'exec'.")
  void timeout(int seconds) {
    if (seconds < 0) {
      throw new ParameterException(spec.commandLine(),
          "--timeout must be 0 or more seconds, not " + seconds);
    }
    timeoutSeconds = seconds;
  }

  @Parameters(index = "0", paramLabel = "REF",
      description = RefCommand.REF_DESCRIPTION + " It must be running.")
  String ref;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD",
      description = CMD_BEFORE + "REF" + CMD_AFTER)
  List<String> rawCommand;

  @Override
  protected void validate() {
    TrailingCommand.command(rawCommand, spec);
    if (detach && (interactive || tty)) {
      throw new ParameterException(spec.commandLine(), "--detach runs the command without stdin and terminal:"
          + " leave out -i and -t");
    }
  }

  /** @param environment conmanctl's own environment, for --env KEY without a value */
  ExecSpec execSpec(Map<String, String> environment) {
    ExecSpec.Builder exec = ExecSpec.newBuilder()
        .setRef(ref)
        .addAllCommand(TrailingCommand.command(rawCommand, spec))
        .addAllEnv(CreateOptions.environment(env, environment))
        .setTimeoutSeconds(timeoutSeconds)
        .setTty(tty);
    if (tty) {
      RawTerminal.size().ifPresent(exec::setSize);
    }
    if (workdir != null) {
      exec.setWorkdir(workdir);
    }
    return exec.build();
  }

  @Override
  protected int run(Daemon daemon, Console console) {
    if (detach) {
      String execId = daemon.io().execDetached(execSpec(System.getenv())).getExecId();
      console.line(console.json() ? Json.object().put("exec_id", execId).toString() : execId);
      return ExitCodes.OK;
    }
    Stdio stdio = stdio();
    ExecSession session = new ExecSession();
    Thread ctrlC = new Thread(session::interrupt, "conmanctl-exec-interrupt");
    Runtime.getRuntime().addShutdownHook(ctrlC);
    Optional<RawTerminal> raw = Optional.empty();
    try {
      ExecSpec execSpec = execSpec(System.getenv());
      if (tty) {
        if (interactive) {
          raw = RawTerminal.enter(); // Ctrl-C is then a key for the process, not a signal to conmanctl
        }
        RawTerminal.followSize(session::resize);
      }
      return session.run(daemon.ioAsync(), execSpec, interactive ? stdio.in() : null, stdio);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.INTERRUPTED;
    } finally {
      raw.ifPresent(RawTerminal::close);
      try {
        Runtime.getRuntime().removeShutdownHook(ctrlC);
      } catch (IllegalStateException shuttingDown) {
        // Ctrl-C: the hook is running
      }
    }
  }

  @Override
  int failureExitCode(int mapped) {
    return ExitCodes.commandFailure(mapped);
  }
}
