package dev.conman.runc;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;

/**
 * What the daemon reads from runc's own record of a container, {@code <runc root>/<id>/state.json}
 * (runc 1.x): the init process's pid and start time (in clock ticks after boot, as in
 * /proc/PID/stat), and the container's cgroup directories by controller ("" is the unified one).
 * Read with a streaming parser: the file also holds the whole runtime config, ten times the size,
 * of which only the hooks are looked at.
 *
 * @param initPid 0 when runc recorded none
 * @param cgroupPaths a missing node when runc recorded none
 * @param poststartHooks whether the config names poststart hooks (runc 1.1 runs them in create,
 *     later versions in start)
 */
record RuncStateFile(long initPid, long initStart, JsonNode cgroupPaths, boolean poststartHooks) {

  /** In runc's directory of the container. */
  static final String NAME = "state.json";

  private static final ObjectMapper MAPPER = new ObjectMapper();

  /** @return empty when there is no such file (runc does not know the container) */
  static Optional<RuncStateFile> read(Path file) throws IOException {
    try {
      return Optional.of(parse(Files.readAllBytes(file)));
    } catch (NoSuchFileException e) {
      return Optional.empty();
    }
  }

  static RuncStateFile parse(byte[] json) throws IOException {
    long pid = 0;
    long start = 0;
    JsonNode cgroups = MissingNode.getInstance();
    JsonNode hooks = MissingNode.getInstance();
    try (JsonParser p = MAPPER.getFactory().createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IOException("runc's state is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "init_process_pid" -> pid = value.isNumeric() ? p.getLongValue() : 0;
          case "init_process_start" -> start = value.isNumeric() ? p.getLongValue() : 0;
          case "cgroup_paths" -> cgroups = MAPPER.readTree(p);
          case "config" -> hooks = value == JsonToken.START_OBJECT ? hooksOfConfig(p) : MissingNode.getInstance();
          default -> p.skipChildren();
        }
      }
    }
    return new RuncStateFile(pid, start, cgroups, hooks.path("poststart").size() > 0);
  }

  /** runc's config ("Hooks" in runc 1.x), the parser at its start; leaves it at its end. */
  private static JsonNode hooksOfConfig(JsonParser p) throws IOException {
    JsonNode hooks = MissingNode.getInstance();
    while (p.nextToken() == JsonToken.FIELD_NAME) {
      String name = p.getCurrentName();
      p.nextToken();
      if (name.equals("Hooks")) {
        JsonNode read = MAPPER.readTree(p);
        hooks = read == null ? MissingNode.getInstance() : read;
      } else {
        p.skipChildren();
      }
    }
    return hooks;
  }

  /** The directory of one controller's cgroup; "" for the unified hierarchy. */
  Optional<Path> cgroup(String controller) {
    String dir = cgroupPaths.path(controller).asText("");
    return dir.isEmpty() ? Optional.empty() : Optional.of(Path.of(dir));
  }

  /**
   * A controller's file: {@code v1File} in the cgroup v1 directory of {@code controller} when runc
   * recorded one, else {@code v2File} in the unified directory; empty when runc recorded neither.
   */
  Optional<Path> cgroupFile(String controller, String v1File, String v2File) {
    Optional<Path> v1 = cgroup(controller);
    return v1.isPresent() ? v1.map(dir -> dir.resolve(v1File)) : cgroup("").map(dir -> dir.resolve(v2File));
  }
}
