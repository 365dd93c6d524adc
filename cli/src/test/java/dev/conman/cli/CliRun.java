package dev.conman.cli;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.file.Path;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * conmanctl run in this JVM against the daemon on {@code socket}, as the end-to-end tests drive it
 * (with the command line main() builds for the arguments): its exit status and what it printed
 * through picocli's writers.
 */
record CliRun(int status, String out, String err) {

  static CliRun on(Path socket, String... args) {
    return on(socket, new StringWriter(), args);
  }

  /** With stdout going to {@code out}, which a test may read while it runs. */
  static CliRun on(Path socket, Writer out, String... args) {
    StringWriter err = new StringWriter();
    String[] all = Stream.concat(Stream.of("--socket", socket.toString()), Stream.of(args))
        .toArray(String[]::new);
    CommandLine cmd = Conmanctl.commandLine(Stdio.system(), all);
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int status = cmd.execute(all);
    return new CliRun(status, out.toString(), err.toString());
  }
}
