package dev.conman.cli;

/** A failure conmanctl detects itself (not a gRPC status), with the exit status it implies. */
final class CliException extends RuntimeException {
  private final int exitCode;

  CliException(int exitCode, String message) {
    super(message);
    this.exitCode = exitCode;
  }

  int exitCode() {
    return exitCode;
  }
}
