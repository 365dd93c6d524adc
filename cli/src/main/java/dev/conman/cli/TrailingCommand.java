package dev.conman.cli;

import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

/**
 * A verb whose first positional (create's NAME, exec's REF) is followed by a process's command
 * line, as in docker run and docker exec: everything after it is the command, so that the
 * command's own options ({@code sh -c ...}) are not taken for conmanctl's. {@link Conmanctl}
 * makes picocli stop looking for options at the first positional of every verb that is, or mixes
 * in, a TrailingCommand.
 */
interface TrailingCommand {
  /** The CMD description is {@code CMD_BEFORE + "NAME" + CMD_AFTER} (or REF). */
  String CMD_BEFORE = "The command (executable, absolute or on the container's PATH) and its"
      + " arguments. Everything after ";
  String CMD_AFTER = " is the command, so conmanctl's options go before it; a -- before CMD is"
      + " allowed.";

  /**
   * The command without the "--" that may separate it: parsing stops at the first positional, so
   * picocli keeps a "--" that follows it. A later "--" belongs to the command.
   *
   * @param raw the positionals after the first one
   * @param spec the verb, for the usage error when there is no command
   */
  static List<String> command(List<String> raw, CommandSpec spec) {
    return command(raw, spec, true);
  }

  /** @param required false where the daemon has a default (an image's entrypoint and cmd) */
  static List<String> command(List<String> raw, CommandSpec spec, boolean required) {
    boolean separated = !raw.isEmpty() && raw.get(0).equals("--");
    List<String> command = separated ? raw.subList(1, raw.size()) : raw;
    if (command.isEmpty() && required) {
      throw new ParameterException(spec.commandLine(), "Missing required parameter: 'CMD'");
    }
    return command;
  }
}
