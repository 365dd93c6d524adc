package dev.conman.runc;

/**
 * A runc or conmon call that failed. The message carries what the user needs to see: the
 * command, its exit status, and runc's own error (from stderr, the sync pipe or runc's JSON log).
 */
public class RuntimeFailure extends Exception {

  /** What kind of failure, so that callers can map it without parsing messages. */
  public enum Kind {
    /** The container is not running (or runc does not know it): ESRCH, "container not running". */
    NOT_RUNNING,
    /** The runc or conmon process did not finish within its timeout and was killed. */
    TIMEOUT,
    /** The process to start does not exist in the root filesystem, or not on its PATH. */
    COMMAND_NOT_FOUND,
    /** The process to start exists but cannot be executed (no permission, not a program). */
    COMMAND_NOT_EXECUTABLE,
    /** Anything else: runc or conmon reported an error. */
    FAILED
  }

  private final Kind kind;

  public RuntimeFailure(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public RuntimeFailure(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  /** For a command that could not be run, the shell's status for it (127, 126); else empty. */
  public java.util.OptionalInt commandStatus() {
    return kind == Kind.COMMAND_NOT_FOUND || kind == Kind.COMMAND_NOT_EXECUTABLE
        ? java.util.OptionalInt.of(CommandErrors.status(kind)) : java.util.OptionalInt.empty();
  }

  public Kind kind() {
    return kind;
  }
}
