package dev.conman.cli;

import dev.conman.api.v1.CreateContainerRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * What a container is created from, shared by {@code container create} and {@code run}. Options
 * come before NAME: everything after NAME is the container's command ({@link TrailingCommand}).
 */
final class CreateOptions implements TrailingCommand {
  /** -e/--env of create, run and exec: see {@link #environment}. */
  static final String ENV_DESCRIPTION = "Environment variable of the process; repeatable. A KEY"
      + " without =VALUE takes its value from conmanctl's environment, and is left out if unset"
      + " there.";

  @Option(names = "--image", required = true, paramLabel = "REF|DIR",
      description = "An image reference (e.g. localhost:5000/busybox:latest; pulled if the daemon does not"
          + " have it), or a root filesystem directory: an absolute path, or one starting with ./ or ../"
          + " (made absolute here, since the daemon has another working directory).")
  String image;

  @Option(names = {"-e", "--env"}, paramLabel = "KEY=VALUE", description = ENV_DESCRIPTION)
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

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "CMD",
      description = CMD_BEFORE + "NAME" + CMD_AFTER + " Optional with an image reference: the image's"
          + " entrypoint and cmd are the default.")
  List<String> rawCommand = new ArrayList<>();

  @Spec(Spec.Target.MIXEE) CommandSpec mixee;

  /** The container's command, without the "--" that may precede it. */
  List<String> command() {
    // an image brings its own default command; a root filesystem directory does not
    return TrailingCommand.command(rawCommand, mixee, isDirectory());
  }

  /** Whether --image names a directory (a path) rather than an image reference. */
  private boolean isDirectory() {
    return image.startsWith("/") || image.startsWith(".");
  }

  /** Usage errors that parsing cannot see; called before connecting to the daemon. */
  void validate() {
    command();
  }

  /** @param environment conmanctl's own environment, for --env KEY without a value */
  CreateContainerRequest request(Map<String, String> environment) {
    CreateContainerRequest.Builder request = CreateContainerRequest.newBuilder()
        .setName(name)
        .setImage(image.startsWith(".") ? Path.of(image).toAbsolutePath().normalize().toString() : image)
        .addAllCommand(command())
        .setReadOnly(readOnly)
        .putAllLabels(labels)
        .addAllEnv(environment(env, environment));
    if (workdir != null) {
      request.setWorkdir(workdir);
    }
    return request.build();
  }

  /**
   * The -e/--env entries as KEY=VALUE: a KEY alone takes its value from {@code own}
   * (conmanctl's environment), and is left out if unset there, as docker does.
   */
  static List<String> environment(List<String> entries, Map<String, String> own) {
    List<String> resolved = new ArrayList<>();
    for (String entry : entries) {
      if (entry.contains("=")) {
        resolved.add(entry);
      } else if (own.containsKey(entry)) {
        resolved.add(entry + "=" + own.get(entry));
      }
    }
    return resolved;
  }
}
