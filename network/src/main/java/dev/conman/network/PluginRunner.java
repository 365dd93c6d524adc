package dev.conman.network;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conman.runc.Command;
import dev.conman.runc.CommandResult;
import dev.conman.runc.CommandRunner;
import dev.conman.runc.RuntimeFailure;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one CNI plugin as the CNI spec says: the configuration on stdin, the parameters in
 * {@code CNI_*} variables, the result (or an error JSON) on stdout. CommandRunner gives children
 * /dev/null as stdin, so the configuration goes through a private temporary file and
 * {@code sh -c 'exec "$0" < "$1"'}: the shell becomes the plugin, so the timeout's kill reaches
 * it and the IPAM plugin it delegates to.
 */
final class PluginRunner {

  private static final Logger log = LoggerFactory.getLogger(PluginRunner.class);

  private final Path pluginDir;
  private final Path tmpDir;
  private final CommandRunner runner;
  private final Duration timeout;

  PluginRunner(Path pluginDir, Path tmpDir, CommandRunner runner, Duration timeout) {
    this.pluginDir = pluginDir;
    this.tmpDir = tmpDir;
    this.runner = runner;
    this.timeout = timeout;
  }

  Path binary(String type) throws NetworkException {
    if (type == null || type.isEmpty() || type.contains("/") || type.startsWith(".")) {
      throw new NetworkException(NetworkException.Kind.INVALID, "invalid CNI plugin type '" + type + "'");
    }
    Path binary = pluginDir.resolve(type);
    if (!Files.isRegularFile(binary) || !Files.isExecutable(binary)) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "CNI plugin '" + type + "' not found in "
          + pluginDir + " (Debian: apt-get install containernetworking-plugins)");
    }
    return binary;
  }

  /**
   * @param netns empty when the namespace is gone (allowed for DEL)
   * @return the plugin's stdout (the result for ADD)
   */
  String invoke(String command, ObjectNode config, String containerId, String netns, String ifName)
      throws NetworkException {
    String type = config.path("type").asText();
    Path binary = binary(type);
    Path stdin = null;
    try {
      Files.createDirectories(tmpDir);
      stdin = Files.createTempFile(tmpDir, type + "-", ".json",
          PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.write(stdin, CniConfigs.MAPPER.writeValueAsBytes(config));
    } catch (IOException e) {
      deleteQuietly(stdin);
      throw new NetworkException(NetworkException.Kind.SYSTEM,
          "cannot write the configuration for CNI plugin " + type + " under " + tmpDir + ": " + e.getMessage(), e);
    }
    Map<String, String> env = new LinkedHashMap<>();
    env.put("CNI_COMMAND", command);
    env.put("CNI_CONTAINERID", containerId);
    env.put("CNI_NETNS", netns == null ? "" : netns);
    env.put("CNI_IFNAME", ifName);
    env.put("CNI_PATH", pluginDir.toString());
    env.put("CNI_ARGS", "");
    env.put("PATH", searchPath(System.getenv("PATH")));
    Command cmd = new Command(
        List.of("/bin/sh", "-c", "exec \"$0\" < \"$1\"", binary.toString(), stdin.toString()), env);
    long started = System.nanoTime();
    try {
      CommandResult result = runner.run(cmd, timeout);
      log.debug("CNI {} {} for {} took {} ms, exit {}", type, command, containerId,
          (System.nanoTime() - started) / 1_000_000, result.exitCode());
      if (!result.ok()) {
        throw failure(type, command, containerId, result);
      }
      return result.stdout();
    } catch (RuntimeFailure e) {
      if (e.kind() == RuntimeFailure.Kind.TIMEOUT) {
        throw new CniPluginException(NetworkException.Kind.TIMEOUT, type, command, -1, "timeout", "",
            "CNI plugin " + type + " " + command + " for container " + containerId + " did not finish within "
                + timeout.toMillis() + " ms and was killed");
      }
      throw new CniPluginException(NetworkException.Kind.SYSTEM, type, command, -1, e.getMessage(), "",
          "CNI plugin " + type + " " + command + " for container " + containerId + ": " + e.getMessage());
    } finally {
      deleteQuietly(stdin);
    }
  }

  /** The error JSON's msg and details (CNI spec "Error"), else whatever the plugin printed. */
  static CniPluginException failure(String type, String command, String containerId, CommandResult result) {
    int code = -1;
    String msg = "";
    String details = "";
    try {
      JsonNode error = CniConfigs.MAPPER.readTree(result.stdout());
      if (error != null && error.isObject() && error.has("msg")) {
        code = error.path("code").asInt(-1);
        msg = error.path("msg").asText("");
        details = error.path("details").asText("");
      }
    } catch (IOException notJson) {
      // fall through to the raw output
    }
    if (msg.isEmpty()) {
      String raw = CniResult.abbreviate(result.stdout());
      String err = CniResult.abbreviate(result.stderr());
      msg = raw.isEmpty() ? err : err.isEmpty() ? raw : raw + " / " + err;
      if (msg.isEmpty()) {
        msg = "exit status " + result.exitCode() + " without output";
      }
    }
    StringBuilder message = new StringBuilder("CNI plugin ").append(type).append(' ').append(command)
        .append(" failed for container ").append(containerId).append(": ").append(msg);
    if (!details.isEmpty()) {
      message.append(" (").append(details).append(')');
    }
    if (code >= 0) {
      message.append(" [CNI error code ").append(code).append(']');
    }
    return new CniPluginException(NetworkException.Kind.PLUGIN, type, command, code, msg, details,
        message.toString());
  }

  /** Plugins find iptables, ip6tables and modprobe through PATH: make sure the sbin directories are in it. */
  static String searchPath(String path) {
    StringBuilder sb = new StringBuilder(path == null ? "" : path);
    for (String dir : List.of("/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin")) {
      if (!(":" + sb + ":").contains(":" + dir + ":")) {
        if (sb.length() > 0) {
          sb.append(':');
        }
        sb.append(dir);
      }
    }
    return sb.toString();
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        log.warn("cannot delete {}: {}", file, e.toString());
      }
    }
  }

}
