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
 * Runs runc against conman's root, with its log in JSON on stderr: the log holds the precise error
 * even when runc's wrapping of its plain message changes. Without {@code --log}, runc writes the
 * log to stderr, next to that plain message, which saves a file per call (created, opened O_SYNC
 * by runc, removed).
 */
final class RuncCli {

  private static final Logger log = LoggerFactory.getLogger(RuncCli.class);

  private final Path runc;
  private final Path root;
  private final CommandRunner runner;
  private final Duration timeout;

  RuncCli(Path runc, Path root, CommandRunner runner, Duration timeout) {
    this.runc = runc;
    this.root = root;
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
    List<String> argv = new ArrayList<>(List.of(runc.toString(), "--root", root.toString(), "--log-format", "json"));
    argv.addAll(List.of(args));
    String display = "runc " + String.join(" ", args);
    CommandResult raw = runner.run(Command.of(argv), timeout);
    log.debug("{} -> exit status {}", display, raw.exitCode());
    if (raw.ok()) {
      return new Outcome(display, raw, Optional.empty());
    }
    RuncJson.Stderr stderr = RuncJson.splitStderr(raw.stderr());
    return new Outcome(display, new CommandResult(raw.command(), raw.exitCode(), raw.stdout(), stderr.plain()),
        stderr.lastError());
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
