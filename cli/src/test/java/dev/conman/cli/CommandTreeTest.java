package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/**
 * The command line main() builds for its arguments (only the commands they name) answers as the
 * whole tree does: the same help, usage errors and suggestions, the same parse.
 */
class CommandTreeTest {

  /** Runs args without a daemon: only what ends before a connection (help, usage errors, version). */
  private static String answer(CommandLine cmd, String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int status = cmd.execute(args);
    return status + "\n" + out + "\n" + err;
  }

  private static void sameAnswer(String... args) {
    assertEquals(answer(Conmanctl.commandLine(Stdio.system()), args),
        answer(Conmanctl.commandLine(Stdio.system(), args), args), String.join(" ", args));
  }

  @Test
  void helpUsageErrorsAndSuggestionsAreThoseOfTheWholeTree() {
    for (List<String> args : List.<List<String>>of(
        List.of(), List.of("--help"), List.of("-V"), List.of("help"), List.of("help", "container"),
        List.of("help", "container", "list"), List.of("container"), List.of("container", "--help"),
        List.of("container", "list", "--help"), List.of("--socket", "/x", "container", "list", "--help"),
        List.of("--socket=/x", "-o", "json", "container", "ls", "-h"), List.of("container", "lsit"),
        List.of("contaner", "list"), List.of("image"), List.of("image", "pull"), List.of("network", "ls", "--help"),
        List.of("run", "--help"), List.of("run"), List.of("exec", "--help"), List.of("--output", "yaml", "container", "list"),
        List.of("--bogus", "container", "list"), List.of("container", "create"), List.of("--", "container"))) {
      sameAnswer(args.toArray(String[]::new));
    }
  }

  @Test
  void aRunBuildsOnlyTheCommandsItsArgumentsName() {
    assertEquals(new TreeSet<>(List.of("container")),
        new TreeSet<>(Conmanctl.commandLine(Stdio.system(), "--socket", "/s", "container", "list").getSubcommands()
            .keySet()));
    assertEquals(new TreeSet<>(List.of("list", "ls")), new TreeSet<>(Conmanctl.commandLine(Stdio.system(),
        "container", "list", "-o", "json").getSubcommands().get("container").getSubcommands().keySet()));
    // help needs them all to list them
    assertEquals(Conmanctl.commandLine(Stdio.system()).getSubcommands().keySet(),
        Conmanctl.commandLine(Stdio.system(), "help").getSubcommands().keySet());
  }
}
