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
 * of which only the hooks, the namespaces and the cgroup driver are looked at.
 *
 * @param initPid 0 when runc recorded none
 * @param cgroupPaths a missing node when runc recorded none
 * @param poststartHooks whether the config names poststart hooks (runc 1.1 runs them in create,
 *     later versions in start)
 * @param plainTeardown whether {@code runc delete} of the stopped container only removes its cgroup
 *     directories and its state directory: the container had a PID namespace of its own (so its
 *     processes ended with its init), cgroupfs cgroups (no systemd unit to stop), no Intel RDT
 *     group, no rootless cgroups and no poststop hooks
 */
record RuncStateFile(long initPid, long initStart, JsonNode cgroupPaths, boolean poststartHooks,
    boolean plainTeardown) {

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
    Config config = new Config();
    boolean plainState = true;
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
          case "config" -> {
            if (value == JsonToken.START_OBJECT) {
              config.read(p);
            } else {
              p.skipChildren();
            }
          }
          case "rootless" -> plainState &= value == JsonToken.VALUE_FALSE;
          case "intel_rdt_path" -> plainState &= value == JsonToken.VALUE_NULL || p.getValueAsString("").isEmpty();
          default -> p.skipChildren();
        }
      }
    }
    return new RuncStateFile(pid, start, cgroups, config.hooks.path("poststart").size() > 0,
        plainState && config.plainTeardown());
  }

  /** What is read of runc's config (runc 1.x's field names). */
  private static final class Config {
    JsonNode hooks = MissingNode.getInstance();
    JsonNode namespaces = MissingNode.getInstance();
    boolean systemd = true;

    /** The parser at the config's start; leaves it at its end. */
    void read(JsonParser p) throws IOException {
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken value = p.nextToken();
        switch (name) {
          case "Hooks" -> hooks = orMissing(MAPPER.readTree(p));
          case "namespaces" -> namespaces = orMissing(MAPPER.readTree(p));
          case "cgroups" -> systemd = value != JsonToken.START_OBJECT || systemdDriver(p);
          default -> p.skipChildren();
        }
      }
    }

    /** The cgroups object, the parser at its start: its "Systemd" flag; leaves it at its end. */
    private static boolean systemdDriver(JsonParser p) throws IOException {
      boolean systemd = true;
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String name = p.getCurrentName();
        JsonToken value = p.nextToken();
        if (name.equals("Systemd")) {
          systemd = value != JsonToken.VALUE_FALSE;
        } else {
          p.skipChildren();
        }
      }
      return systemd;
    }

    boolean plainTeardown() {
      boolean privatePid = false;
      for (JsonNode ns : namespaces) {
        privatePid |= ns.path("type").asText().equals("NEWPID") && ns.path("path").asText("").isEmpty();
      }
      return privatePid && !systemd && hooks.path("poststop").size() == 0;
    }

    private static JsonNode orMissing(JsonNode node) {
      return node == null ? MissingNode.getInstance() : node;
    }
  }

  /** Every cgroup directory runc recorded, each once (v1 controllers may share one). */
  java.util.Set<Path> cgroupDirs() {
    java.util.Set<Path> dirs = new java.util.LinkedHashSet<>();
    cgroupPaths.forEach(dir -> {
      if (!dir.asText("").isEmpty()) {
        dirs.add(Path.of(dir.asText()));
      }
    });
    return dirs;
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
