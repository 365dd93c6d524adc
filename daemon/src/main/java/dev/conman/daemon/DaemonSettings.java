package dev.conman.daemon;

import com.typesafe.config.Config;
import dev.conman.network.NetworkConfig;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * Everything conmand needs to know at start, resolved once from conf/application.conf, the
 * environment and the command line (which wins).
 */
public record DaemonSettings(
    Path root,
    Path state,
    Path socket,
    String socketGroup,
    Path runtime,
    Path conmon,
    Duration runtimeTimeout,
    Duration askTimeout,
    Duration killGrace,
    Duration exitFileGrace,
    int maxMessageBytes,
    Duration eventPollInterval,
    long eventMaxLag,
    Duration eventRetention,
    long logSizeMax,
    String defaultNetwork,
    NetworkConfig network) {

  public Path database() {
    return root.resolve("conman.db");
  }

  public Path containersDir() {
    return root.resolve("containers");
  }

  /** Runtime bundles, with runc's and conmon's files in the state directory (see ContainerLayout). */
  public Path bundlesDir() {
    return state.resolve("bundles");
  }

  public Path lockFile() {
    return root.resolve("conmand.lock");
  }

  /** Settings from {@code config} (the {@code conman} section), each overridden by a flag when given. */
  public static DaemonSettings from(Config config, Overrides flags) {
    Config c = config.getConfig("conman");
    Path root = absolute(flags.root().orElse(Path.of(c.getString("root"))));
    Path state = absolute(flags.state().orElse(Path.of(c.getString("state"))));
    String socket = c.getString("socket");
    Path socketPath = flags.socket().orElse(socket.isEmpty() ? state.resolve("conman.sock") : Path.of(socket));
    return new DaemonSettings(root, state, absolute(socketPath), flags.socketGroup().orElse(c.getString("socket-group")),
        executable(flags.runtime().orElse(c.getString("runtime")), "--runtime", "runc"),
        executable(flags.conmon().orElse(c.getString("conmon")), "--conmon", "conmon"),
        c.getDuration("runtime-timeout"), c.getDuration("ask-timeout"), c.getDuration("kill-grace"),
        c.getDuration("exit-file-grace"), c.getInt("max-message-bytes"),
        c.getDuration("events.poll-interval"), c.getLong("events.max-lag"), c.getDuration("events.retention"),
        c.getBytes("log-size-max"), flags.defaultNetwork().orElse(c.getString("network.default")),
        network(c.getConfig("network"), state));
  }

  /** The bridge network; its CNI state lives in {@code <state>/cni} (addresses are gone after a reboot too). */
  static NetworkConfig network(Config n, Path state) {
    return NetworkConfig.builder(state.resolve("cni"))
        .name(n.getString("name"))
        .bridge(n.getString("bridge"))
        .subnet(n.getString("subnet"))
        .gateway(n.getString("gateway"))
        .pluginDir(Path.of(n.getString("plugin-dir")))
        .netnsDir(Path.of(n.getString("netns-dir")))
        .ipMasq(n.getBoolean("masquerade"))
        .firewall(n.getBoolean("firewall"))
        .pluginTimeout(n.getDuration("plugin-timeout"))
        .build();
  }

  /** Values given on the command line; empty where not given. */
  public record Overrides(Optional<Path> root, Optional<Path> state, Optional<Path> socket,
      Optional<String> socketGroup, Optional<String> runtime, Optional<String> conmon,
      Optional<String> defaultNetwork) {}

  private static Path absolute(Path p) {
    return p.toAbsolutePath().normalize();
  }

  /** A path, or a name looked up on PATH and in the sbin directories root's PATH usually has. */
  static Path executable(String nameOrPath, String flag, String debianPackage) {
    if (nameOrPath.contains("/")) {
      Path p = absolute(Path.of(nameOrPath));
      if (!Files.isExecutable(p)) {
        throw new IllegalArgumentException(flag + " " + p + " is not an executable file");
      }
      return p;
    }
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("") + ":/usr/local/sbin:/usr/sbin:/sbin";
    for (String dir : path.split(File.pathSeparator)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, nameOrPath))) {
        return Path.of(dir, nameOrPath).toAbsolutePath();
      }
    }
    throw new IllegalArgumentException(nameOrPath + " was not found on PATH: install it (apt-get install "
        + debianPackage + ") or give its path with " + flag);
  }
}
