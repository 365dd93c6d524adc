package dev.conman.actors;

/**
 * A request the container domain refuses or could not carry out. The code says which, so that the
 * API edge maps it to a status without reading messages; the message tells a person what to do.
 */
public final class ContainerException extends RuntimeException {

  /** Kinds of refusal; the gRPC edge maps each to one status code. */
  public enum Code {
    INVALID_ARGUMENT, NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, RUNTIME_FAILED, TIMEOUT,
    /** The container's command is not in its root filesystem (or not on its PATH): an invalid argument. */
    COMMAND_NOT_FOUND,
    /** The container's command is there but cannot be executed: an invalid argument. */
    COMMAND_NOT_EXECUTABLE,
    /** The journal refused a write (disk full, read-only): retrying once it takes writes again succeeds. */
    JOURNAL_UNAVAILABLE
  }

  private final Code code;

  private ContainerException(Code code, String message) {
    super(message, null, false, false);
    this.code = code;
  }

  public Code code() {
    return code;
  }

  public static ContainerException invalid(String message) {
    return new ContainerException(Code.INVALID_ARGUMENT, message);
  }

  public static ContainerException notFound(String ref) {
    return new ContainerException(Code.NOT_FOUND,
        "no such container: " + ref + " (list them with: conmanctl container list)");
  }

  public static ContainerException noSuchVolume(String name) {
    return new ContainerException(Code.NOT_FOUND,
        "no such volume: " + name + " (list them with: conmanctl volume list)");
  }

  /** For history: no live container is called so, and no journaled container has that id. */
  public static ContainerException invalidOrMissing(String ref) {
    return new ContainerException(Code.NOT_FOUND, "no such container: " + ref
        + " (a deleted container is found by its full id)");
  }

  public static ContainerException nameTaken(String name, String id) {
    return new ContainerException(Code.ALREADY_EXISTS,
        "the name " + name + " is already used by container " + id
            + "; delete that container or choose another name");
  }

  public static ContainerException ambiguous(String prefix, int matches) {
    return new ContainerException(Code.INVALID_ARGUMENT,
        "the id prefix " + prefix + " matches " + matches + " containers; give more characters");
  }

  public static ContainerException wrongPhase(String id, Phase phase, String operation, String hint) {
    return new ContainerException(Code.FAILED_PRECONDITION,
        "cannot " + operation + " container " + id + ": it is " + phase + "; " + hint);
  }

  /** The host is not in a state that allows the request (a port already published, no bridge network). */
  public static ContainerException precondition(String message) {
    return new ContainerException(Code.FAILED_PRECONDITION, message);
  }

  /** runc could not start the container's process: the request (or the image) names a wrong command. */
  public static ContainerException commandNotRunnable(String operation, String id,
      dev.conman.runc.RuntimeFailure failure) {
    return new ContainerException(failure.kind() == dev.conman.runc.RuntimeFailure.Kind.COMMAND_NOT_FOUND
        ? Code.COMMAND_NOT_FOUND : Code.COMMAND_NOT_EXECUTABLE,
        operation + " of container " + id + " refused: " + failure.getMessage());
  }

  public static ContainerException runtime(String operation, String id, String reason) {
    return new ContainerException(Code.RUNTIME_FAILED, operation + " of container " + id + " failed: " + reason);
  }

  /**
   * The journal could not record a change; {@code consequence} says what that means for the
   * container, {@code why} what is wrong with the journal (dev.conman.journal.JournalFailure).
   */
  public static ContainerException journalUnavailable(String consequence, String why) {
    return new ContainerException(Code.JOURNAL_UNAVAILABLE, consequence + ": the journal could not record it: "
        + why + ". Free space on the file system of conman's root (where the journal conman.db is), or make it"
        + " writable again; then retry");
  }

  public static ContainerException timeout(String operation, String id, String reason) {
    return new ContainerException(Code.TIMEOUT, operation + " of container " + id + " timed out: " + reason);
  }
}
