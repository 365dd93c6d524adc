package dev.conman.cli;

import dev.conman.api.v1.CreateContainerRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What a container is created from, shared by {@code container create} and {@code run}. Options
 * come before NAME: everything after NAME is the container's command, so that its own options
 * ({@code sh -c ...}) are not taken for conmanctl's; {@code --} may separate them too.
 */
final class CreateOptions {
  @Option(names = "--image", required = true, paramLabel = "DIR",
      description = "Root filesystem of the container: a directory, made absolute here because the"
          + " daemon has another working directory.")
  Path image;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE",
      description = "Environment variable of the process; repeatable. A KEY without =VALUE takes"
          + " its value from conmanctl's environment, and is left out if unset there.")
  List<String> env = new ArrayList<>();

  @Option(names = {"-w", "--workdir"}, paramLabel = "DIR",
      description = "Working directory inside the container (default: /).")
  String workdir;

  @Option(names = "--read-only", description = "Mount the root filesystem read-only.")
  boolean readOnly;

  @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE",
      description = "Label to attach to the container; repeatable.")
  Map<String, String> labels = new LinkedHashMap<>();

  @Parameters(index = "0", paramLabel = "NAME",
      description = "Unique name of the container: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128"
          + " characters.")
  String name;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "CMD",
      description = "The command (executable, absolute or on the container's PATH) and its"
          + " arguments. Everything after NAME is the command, so conmanctl's options go before"
          + " NAME; a -- before CMD is allowed.")
  List<String> rawCommand;

  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  /**
   * The container's command. Parsing stops at NAME (see {@link Conmanctl}), so picocli keeps a
   * "--" that follows NAME; it is the separator, not the command.
   */
  List<String> command() {
    boolean separated = !rawCommand.isEmpty() && rawCommand.get(0).equals("--");
    List<String> command = separated ? rawCommand.subList(1, rawCommand.size()) : rawCommand;
    if (command.isEmpty()) {
      throw new ParameterException(mixee.commandLine(), "Missing required parameter: 'CMD'");
    }
    return command;
  }

  /** Usage errors that parsing cannot see; called before connecting to the daemon. */
  void validate() {
    command();
  }

  /** @param environment conmanctl's own environment, for --env KEY without a value */
  CreateContainerRequest request(Map<String, String> environment) {
    CreateContainerRequest.Builder request = CreateContainerRequest.newBuilder()
        .setName(name)
        .setImage(image.toAbsolutePath().normalize().toString())
        .addAllCommand(command())
        .setReadOnly(readOnly)
        .putAllLabels(labels);
    for (String entry : env) {
      if (entry.contains("=")) {
        request.addEnv(entry);
      } else if (environment.containsKey(entry)) {
        request.addEnv(entry + "=" + environment.get(entry));
      }
    }
    if (workdir != null) {
      request.setWorkdir(workdir);
    }
    return request.build();
  }
}
