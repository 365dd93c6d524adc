package dev.conman.runc;

import java.util.Optional;

/**
 * Tells, from runc's error, that the process it was to start (a container's or an exec's) could not
 * be run, and why, the way a shell does: not found (127) or found but not executable (126). Users
 * of docker and podman know these statuses; everything else runc reports stays a plain failure.
 */
final class CommandErrors {

  private CommandErrors() {}

  /** The shell's status for a command it cannot find. */
  static final int NOT_FOUND_STATUS = 127;
  /** The shell's status for a command it found but cannot execute. */
  static final int NOT_EXECUTABLE_STATUS = 126;

  /**
   * runc 1.1 says {@code exec: "X": executable file not found in $PATH}, {@code exec: "/X": stat
   * /X: no such file or directory} or {@code exec: "/X": permission denied}; a binary the kernel
   * cannot run ({@code exec format error}) or whose loader is missing comes after the exec itself.
   */
  static Optional<RuntimeFailure.Kind> classify(String runcError) {
    if (!runcError.contains("unable to start container process: exec")) {
      return Optional.empty();
    }
    if (runcError.contains("executable file not found") || runcError.contains("no such file or directory")) {
      return Optional.of(RuntimeFailure.Kind.COMMAND_NOT_FOUND);
    }
    return Optional.of(RuntimeFailure.Kind.COMMAND_NOT_EXECUTABLE);
  }

  /** The failure to report when runc's error says the command could not be run; empty for any other error. */
  static Optional<RuntimeFailure> failure(String runcError) {
    return classify(runcError).map(kind -> new RuntimeFailure(kind, "its command cannot be run: " + runcError));
  }

  static int status(RuntimeFailure.Kind kind) {
    return kind == RuntimeFailure.Kind.COMMAND_NOT_FOUND ? NOT_FOUND_STATUS : NOT_EXECUTABLE_STATUS;
  }
}
