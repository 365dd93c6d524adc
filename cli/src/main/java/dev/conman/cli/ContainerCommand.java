package dev.conman.cli;

import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The noun "container": its verbs are the subcommands (listed in {@link CommandTree}). */
@Command(name = "container",
    description = "Create, run, inspect, limit and remove containers; read their output and"
        + " resource use, run commands in them.")
final class ContainerCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return Conmanctl.missingCommand(spec);
  }
}
