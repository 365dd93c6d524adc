package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs runc against conman's root. Each call gets its own JSON log file because runc's stderr
 * is only a summary: the log holds the precise error even when runc's wrapping changes.
 */
final class RuncCli {

  private static final Logger log = LoggerFactory.getLogger(RuncCli.class);

  private final Path runc;
  private final Path root;
  private final Path logDir;
  private final CommandRunner runner;
  private final Duration timeout;

  RuncCli(Path runc, Path root, Path logDir, CommandRunner runner, Duration timeout) {
    this.runc = runc;
    this.root = root;
    this.logDir = logDir;
    this.runner = runner;
    this.timeout = timeout;
  }

  Path binary() {
    return runc;
  }

  /**
   * Runs {@code runc ARGS}; a non-zero exit is returned, not thrown, because what it means
   * ("does not exist", "not running") depends on the operation.
   *
   * @throws RuntimeFailure only when runc could not run or timed out
   */
  Outcome call(String... args) throws RuntimeFailure {
    Path logFile = newLogFile();
    try {
      List<String> argv = new ArrayList<>(List.of(runc.toString(),
          "--root", root.toString(), "--log", logFile.toString(), "--log-format", "json"));
      argv.addAll(List.of(args));
      String display = "runc " + String.join(" ", args);
      CommandResult result = runner.run(Command.of(argv), timeout);
      Optional<String> error = result.ok() ? Optional.empty() : RuncJson.lastError(readQuietly(logFile));
      log.debug("{} -> exit status {}", display, result.exitCode());
      return new Outcome(display, result, error);
    } finally {
      deleteQuietly(logFile);
    }
  }

  private Path newLogFile() throws RuntimeFailure {
    try {
      return Files.createTempFile(logDir, "runc-", ".json");
    } catch (IOException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "cannot create a log file for runc in " + logDir + ": " + e.getMessage(), e);
    }
  }

  /** A log or output file for an error message: missing or unreadable reads as empty. */
  static String readQuietly(Path file) {
    try {
      return Files.readString(file);
    } catch (java.nio.file.NoSuchFileException e) {
      return "";
    } catch (IOException e) {
      log.warn("cannot read {}: {}", file, e.toString());
      return "";
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException e) {
      log.warn("cannot remove runc log {}: {}", file, e.toString());
    }
  }

  /**
   * A finished runc call.
   *
   * @param logError the last error runc logged, when it failed
   */
  record Outcome(String display, CommandResult result, Optional<String> logError) {

    boolean ok() {
      return result.ok();
    }

    /** Whether runc's error (log or stderr) contains one of these fragments. */
    boolean says(String... fragments) {
      String text = logError.orElse("") + "\n" + result.stderr();
      for (String fragment : fragments) {
        if (text.contains(fragment)) {
          return true;
        }
      }
      return false;
    }

    RuntimeFailure failure(RuntimeFailure.Kind kind) {
      return new RuntimeFailure(kind,
          failureMessage(display, result.exitCode(), result.stderr(), logError));
    }
  }

  /**
   * One sentence with runc's own words: the logged error, and stderr when it says more
   * (runc 1.1 prints the same error to both).
   */
  static String failureMessage(String what, int exitCode, String stderr, Optional<String> logError) {
    String err = stderr.strip();
    StringBuilder message = new StringBuilder(what).append(" failed with exit status ").append(exitCode);
    if (logError.isPresent()) {
      message.append(": ").append(logError.get());
      if (!err.isEmpty() && !err.equals(logError.get().strip())) {
        message.append(" (stderr: ").append(RuncJson.abbreviate(err)).append(')');
      }
    } else if (!err.isEmpty()) {
      message.append(": ").append(RuncJson.abbreviate(err));
    }
    return message.toString();
  }
}
