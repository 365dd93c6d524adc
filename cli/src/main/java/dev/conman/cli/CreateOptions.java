package dev.conman.cli;

import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.Mount;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.TypeConversionException;

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

  @Option(names = "--restart", paramLabel = "POLICY", converter = RestartConverter.class,
      description = "Restart the container when it exits: no (the default), on-failure[:MAX]"
          + " (after a non-zero exit, at most MAX times), always, or unless-stopped. A container"
          + " stopped by a user is not restarted.")
  String restart;

  @Mixin ResourceOptions resources;

  @Option(names = {"-u", "--user"}, paramLabel = "UID[:GID]|NAME[:GROUP]",
      converter = UserConverter.class,
      description = "User (and group) the process runs as; names are looked up in the root"
          + " filesystem's /etc/passwd and /etc/group (default: root).")
  String user;

  @Option(names = "--cap-add", paramLabel = "CAP", converter = CapabilityConverter.class,
      description = "Add a capability to the default set (NET_ADMIN or CAP_NET_ADMIN; ALL);"
          + " repeatable.")
  List<String> capAdd = new ArrayList<>();

  @Option(names = "--cap-drop", paramLabel = "CAP", converter = CapabilityConverter.class,
      description = "Drop a capability from the default set (ALL drops them all); repeatable.")
  List<String> capDrop = new ArrayList<>();

  @Option(names = "--privileged",
      description = "All capabilities, all devices, no masked paths: only for containers you"
          + " trust completely.")
  boolean privileged;

  @Option(names = "--allow-new-privileges",
      description = "Let the process gain privileges (setuid binaries). By default"
          + " no_new_privileges is on.")
  boolean allowNewPrivileges;

  @Option(names = "--network", paramLabel = "NETWORK",
      description = "bridge (the daemon's CNI bridge network, also by its name: an address of its subnet,"
          + " outbound traffic masqueraded), none (only loopback) or host (the host's network namespace)."
          + " Default: the daemon's --default-network, normally bridge.")
  String network;

  @Option(names = {"-p", "--publish"}, paramLabel = "[HOST_IP:]HOST_PORT:CONTAINER_PORT[/tcp|udp]",
      description = "Publish a container port on the host (bridge network only), e.g. 8080:80 or"
          + " 127.0.0.1:8080:80/tcp; repeatable.")
  List<String> publish = new ArrayList<>();

  @Option(names = {"-v", "--volume"}, paramLabel = "HOST_PATH|VOLUME:CONTAINER_PATH[:ro|rw]",
      description = "Mount a host directory or file into the container, e.g. /srv/data:/data or"
          + " ./conf:/etc/app:ro (a path starting with . is taken from the current directory), or a named"
          + " volume, e.g. pgdata:/var/lib/postgresql (made if it does not exist); repeatable."
          + " Not conman's own directories.")
  List<String> volumes = new ArrayList<>();

  @Option(names = "--tmpfs", paramLabel = "CONTAINER_PATH[:ro|rw]",
      description = "Mount an empty in-memory file system at this path, new at each run; repeatable.")
  List<String> tmpfs = new ArrayList<>();

  @Option(names = "--hostname", paramLabel = "NAME",
      description = "The container's host name (also in its /etc/hosts). Default: the first 12 characters"
          + " of its id.")
  String hostname;

  /** docker's spelling of the default; accepted so that docker users' command lines work. */
  @Option(names = "--no-new-privileges", description = "Keep no_new_privileges on (the default).")
  boolean noNewPrivileges;

  @Parameters(index = "0", paramLabel = "NAME",
      description = "Unique name of the container: [a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128"
          + " characters.")
  String name;

  @Parameters(index = "1..*", arity = "0..*", paramLabel = "CMD",
      description = CMD_BEFORE + "NAME" + CMD_AFTER + " Optional with an image reference: the image's"
          + " entrypoint and cmd are the default.")
  List<String> rawCommand = new ArrayList<>();

  @Option(names = {"-t", "--tty"},
      description = "Give the process a terminal (stdout and stderr become one stream); use it with"
          + " 'attach' or run -it.")
  boolean tty;

  @Option(names = {"-i", "--stdin", "--interactive"},
      description = "Keep a stdin open for the process that attached clients write to (default: /dev/null).")
  boolean stdin;

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

  /** -v and --tmpfs as the API's mounts; the daemon checks the paths. */
  List<Mount> mounts() {
    List<Mount> mounts = new ArrayList<>();
    for (String v : volumes) {
      String[] parts = v.split(":", -1);
      if (parts.length < 2 || parts.length > 3 || parts[0].isEmpty() || parts[1].isEmpty()) {
        throw usage("--volume " + v + ": expected HOST_PATH:CONTAINER_PATH[:ro|rw]");
      }
      // a host path is absolute or starts with .; anything else names a volume (the daemon checks the name)
      boolean hostPath = parts[0].startsWith("/") || parts[0].startsWith(".");
      String source = parts[0].startsWith(".") ? Path.of(parts[0]).toAbsolutePath().normalize().toString() : parts[0];
      mounts.add(Mount.newBuilder().setType(hostPath ? "bind" : "volume").setSource(source).setDestination(parts[1])
          .setReadOnly(readOnly("--volume", v, parts, 2)).build());
    }
    for (String t : tmpfs) {
      String[] parts = t.split(":", -1);
      if (parts.length > 2 || parts[0].isEmpty()) {
        throw usage("--tmpfs " + t + ": expected CONTAINER_PATH[:ro|rw]");
      }
      mounts.add(Mount.newBuilder().setType("tmpfs").setDestination(parts[0])
          .setReadOnly(readOnly("--tmpfs", t, parts, 1)).build());
    }
    return mounts;
  }

  private boolean readOnly(String option, String value, String[] parts, int at) {
    if (parts.length <= at || parts[at].equals("rw")) {
      return false;
    }
    if (parts[at].equals("ro")) {
      return true;
    }
    throw usage(option + " " + value + ": '" + parts[at] + "' is neither ro nor rw");
  }

  private picocli.CommandLine.ParameterException usage(String message) {
    return new picocli.CommandLine.ParameterException(mixee.commandLine(), message);
  }

  /** Usage errors that parsing cannot see; called before connecting to the daemon. */
  void validate() {
    command();
    mounts();
    if (noNewPrivileges && allowNewPrivileges) {
      throw new picocli.CommandLine.ParameterException(mixee.commandLine(),
          "--no-new-privileges and --allow-new-privileges contradict each other: give one");
    }
  }

  /** @param environment conmanctl's own environment, for --env KEY without a value */
  CreateContainerRequest request(Map<String, String> environment) {
    CreateContainerRequest.Builder request = CreateContainerRequest.newBuilder()
        .setName(name)
        .setImage(image.startsWith(".") ? Path.of(image).toAbsolutePath().normalize().toString() : image)
        .addAllCommand(command())
        .setReadOnly(readOnly)
        .putAllLabels(labels)
        .addAllEnv(environment(env, environment))
        .addAllCapAdd(capAdd)
        .addAllCapDrop(capDrop)
        .setPrivileged(privileged)
        .setAllowNewPrivileges(allowNewPrivileges)
        .addAllPublish(publish)
        .addAllMounts(mounts())
        .setTty(tty)
        .setStdin(stdin);
    if (network != null) {
      request.setNetwork(network);
    }
    if (hostname != null) {
      request.setHostname(hostname);
    }
    if (workdir != null) {
      request.setWorkdir(workdir);
    }
    if (restart != null) {
      request.setRestartPolicy(restart);
    }
    if (!resources.isEmpty()) {
      request.setResources(resources.resources());
    }
    if (user != null) {
      request.setUser(user);
    }
    return request.build();
  }

  /** no, on-failure, on-failure:MAX (MAX at least 1), always, unless-stopped. */
  static final class RestartConverter implements ITypeConverter<String> {
    private static final Pattern POLICY =
        Pattern.compile("no|always|unless-stopped|on-failure(:[1-9][0-9]{0,8})?");

    @Override
    public String convert(String value) {
      if (!POLICY.matcher(value).matches()) {
        throw new TypeConversionException("'" + value + "' is not a restart policy: use no,"
            + " on-failure, on-failure:MAX (MAX a positive number of restarts), always or"
            + " unless-stopped");
      }
      return value;
    }
  }

  /** UID[:GID] or NAME[:GROUP], as the daemon accepts them. */
  static final class UserConverter implements ITypeConverter<String> {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_.][A-Za-z0-9_.-]*");
    private static final Pattern USER =
        Pattern.compile(NAME.pattern() + "(:" + NAME.pattern() + ")?");

    @Override
    public String convert(String value) {
      if (!USER.matcher(value).matches()) {
        throw new TypeConversionException("'" + value + "' is not UID[:GID] or NAME[:GROUP]"
            + " (e.g. 1000, 1000:1000, nobody, www-data:www-data)");
      }
      return value;
    }
  }

  /**
   * A capability's name: letters, digits and '_' (NET_ADMIN, cap_net_admin, ALL); whether the
   * kernel has it is the daemon's to say.
   */
  static final class CapabilityConverter implements ITypeConverter<String> {
    private static final Pattern CAPABILITY = Pattern.compile("[A-Za-z][A-Za-z0-9_]*");

    @Override
    public String convert(String value) {
      if (!CAPABILITY.matcher(value).matches()) {
        throw new TypeConversionException("'" + value + "' is not a capability name (e.g."
            + " NET_ADMIN, CAP_SYS_PTRACE or ALL)");
      }
      return value;
    }
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
