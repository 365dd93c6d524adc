package dev.conman.runc;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * A child process to run.
 *
 * @param argv program and arguments, never interpreted by a shell
 * @param env  variables added to the daemon's environment
 */
public record Command(List<String> argv, Map<String, String> env) {

  public Command {
    if (argv.isEmpty()) {
      throw new IllegalArgumentException("empty command");
    }
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
  }

  public static Command of(List<String> argv) {
    return new Command(argv, Map.of());
  }

  public static Command of(String... argv) {
    return of(List.of(argv));
  }

  /** For messages: the program's file name and its arguments. */
  public String display() {
    String program = Path.of(argv.get(0)).getFileName().toString();
    return argv.size() == 1 ? program : program + " " + String.join(" ", argv.subList(1, argv.size()));
  }
}
