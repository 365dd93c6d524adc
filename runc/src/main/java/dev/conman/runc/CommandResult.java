package dev.conman.runc;

/**
 * How a child process ended. Output is empty when it went to a file.
 *
 * @param exitCode the exit status; 128+N when the process was killed by signal N
 */
public record CommandResult(Command command, int exitCode, String stdout, String stderr) {

  public boolean ok() {
    return exitCode == 0;
  }
}
