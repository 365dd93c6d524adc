package dev.conman.cli;

import java.util.List;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.OptionSpec;

/**
 * Which conmanctl command has which subcommands, and the command line a run needs.
 *
 * <p>picocli builds the model of every command it is given, by reflection over its options,
 * mixins and converters: for all of conmanctl's commands that took about 100 ms of CPU, a third of
 * {@code conmanctl container list}. So a run gets the commands its arguments name, one per level
 * ({@code container}, then {@code list}), and every subcommand of a level only where it could be
 * needed: no subcommand named there, help, a name picocli should suggest a correction for, or
 * arguments this scan does not understand (picocli then reads them with the whole tree, as before).
 */
final class CommandTree {

  /** A command class and its subcommands, in the order help lists them. */
  record Node(Class<?> command, List<Node> subcommands) {}

  static final Node ROOT = node(Conmanctl.class,
      node(ContainerCommand.class, leaf(CreateCommand.class), leaf(StartCommand.class), leaf(StopCommand.class),
          leaf(RestartCommand.class), leaf(KillCommand.class), leaf(PauseCommand.Pause.class),
          leaf(PauseCommand.Unpause.class),
          leaf(DeleteCommand.class), leaf(PruneCommand.class), leaf(StatusCommand.class), leaf(ListCommand.class),
          leaf(WaitCommand.class), leaf(HistoryCommand.class), leaf(ExecCommand.class), leaf(LogsCommand.class),
          leaf(UpdateCommand.class), leaf(StatsCommand.class), leaf(TopCommand.class)),
      node(ImageCommand.class, leaf(ImageCommand.Pull.class), leaf(ImageCommand.ListImages.class),
          leaf(ImageCommand.Inspect.class), leaf(ImageCommand.Remove.class), leaf(ImageCommand.Prune.class)),
      node(NetworkCommand.class, leaf(NetworkCommand.ListNetworks.class)),
      node(VolumeCommand.class, leaf(VolumeCommand.Create.class), leaf(VolumeCommand.ListVolumes.class),
          leaf(VolumeCommand.Remove.class)),
      leaf(RunCommand.class), leaf(ExecCommand.class), leaf(AttachCommand.class), leaf(LogsCommand.class),
      leaf(EventsCommand.class), leaf(StatsCommand.class), leaf(TopCommand.class), leaf(RestartCommand.class),
      leaf(PauseCommand.Pause.class), leaf(PauseCommand.Unpause.class),
      leaf(InfoCommand.Info.class), leaf(InfoCommand.Version.class),
      leaf(CommandLine.HelpCommand.class));

  private CommandTree() {}

  private static Node node(Class<?> command, Node... subcommands) {
    return new Node(command, List.of(subcommands));
  }

  private static Node leaf(Class<?> command) {
    return new Node(command, List.of());
  }

  /** Adds every subcommand of {@code node}, at every level, to {@code cmd} (the command of {@code node}). */
  static void addAll(CommandLine cmd, Node node) {
    for (Node sub : node.subcommands()) {
      CommandLine child = new CommandLine(sub.command());
      addAll(child, sub);
      cmd.addSubcommand(child);
    }
  }

  /**
   * Adds to {@code cmd} what {@code args} (the arguments after {@code node}'s name) need: the one
   * subcommand they name next, built the same way for the arguments after it, or all of them.
   */
  static void addFor(CommandLine cmd, Node node, List<String> args) {
    if (node.subcommands().isEmpty()) {
      return;
    }
    int next = nameIndex(cmd, args);
    Node named = next < 0 ? null : byName(node, args.get(next));
    if (named == null || named.command() == CommandLine.HelpCommand.class) {
      addAll(cmd, node);
      return;
    }
    CommandLine child = new CommandLine(named.command());
    addFor(child, named, args.subList(next + 1, args.size()));
    cmd.addSubcommand(child);
  }

  /**
   * Where the first argument that is not an option (nor an option's value) of {@code cmd} is;
   * -1 when there is none, or when an argument is not one of {@code cmd}'s options.
   */
  private static int nameIndex(CommandLine cmd, List<String> args) {
    for (int i = 0; i < args.size(); i++) {
      String arg = args.get(i);
      if (!arg.startsWith("-")) {
        return i;
      }
      int equals = arg.indexOf('=');
      OptionSpec option = cmd.getCommandSpec().findOption(equals < 0 ? arg : arg.substring(0, equals));
      if (option == null || arg.equals("--")) {
        return -1;
      }
      if (equals < 0 && option.arity().max() > 0) {
        i++; // its value
      }
    }
    return -1;
  }

  private static Node byName(Node node, String name) {
    for (Node sub : node.subcommands()) {
      Command annotation = sub.command().getAnnotation(Command.class);
      if (annotation.name().equals(name) || List.of(annotation.aliases()).contains(name)) {
        return sub;
      }
    }
    return null;
  }
}
