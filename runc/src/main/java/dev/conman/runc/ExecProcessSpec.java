package dev.conman.runc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The OCI process of an exec that conmon runs ({@code --exec-process-spec}, handed to {@code runc
 * exec --process}): the container's own process (user, capabilities, rlimits, no_new_privileges,
 * ...), with the exec's command, its environment added to the container's, and its working
 * directory. runc reads nothing else when it is given a process file, so the container's settings
 * are copied, not left out: as {@code runc exec} with flags gives them.
 */
final class ExecProcessSpec {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private ExecProcessSpec() {}

  static ObjectNode of(JsonNode containerConfig, ContainerRuntime.ExecRequest request) {
    JsonNode own = containerConfig.path("process");
    ObjectNode process = own instanceof ObjectNode o ? o.deepCopy() : MAPPER.createObjectNode();
    process.put("terminal", false);
    process.remove("consoleSize");
    ArrayNode args = process.putArray("args");
    request.args().forEach(args::add);
    Map<String, String> env = new LinkedHashMap<>();
    process.path("env").forEach(e -> put(env, e.asText()));
    request.env().forEach(e -> put(env, e));
    ArrayNode merged = process.putArray("env");
    env.values().forEach(merged::add);
    if (!request.cwd().isEmpty()) {
      process.put("cwd", request.cwd());
    } else if (!process.hasNonNull("cwd")) {
      process.put("cwd", "/");
    }
    return process;
  }

  /** NAME=value by its name: the exec's value replaces the container's, as with docker exec -e. */
  private static void put(Map<String, String> env, String entry) {
    int eq = entry.indexOf('=');
    env.put(eq < 0 ? entry : entry.substring(0, eq), entry);
  }
}
