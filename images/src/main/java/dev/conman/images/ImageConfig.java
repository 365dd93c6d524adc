package dev.conman.images;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The runtime defaults of an image (the {@code config} object of the OCI image config). A
 * container's command is {@code entrypoint + cmd}; a request's args replace {@code cmd}, a
 * request's entrypoint replaces {@code entrypoint} and clears {@code cmd} (docker's rules); the
 * request's env is appended to {@code env} (later wins).
 *
 * @param workingDir "" if unset (then "/")
 * @param user       "" if unset (then root); may be {@code uid}, {@code uid:gid} or names
 */
public record ImageConfig(List<String> env, List<String> entrypoint, List<String> cmd, String workingDir, String user,
    Map<String, String> labels, String stopSignal) {

  public ImageConfig {
    env = env == null ? List.of() : List.copyOf(env);
    entrypoint = entrypoint == null ? List.of() : List.copyOf(entrypoint);
    cmd = cmd == null ? List.of() : List.copyOf(cmd);
    workingDir = workingDir == null ? "" : workingDir;
    user = user == null ? "" : user;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    stopSignal = stopSignal == null ? "" : stopSignal;
  }

  /** The default process args: entrypoint followed by cmd. */
  public List<String> defaultArgs() {
    List<String> a = new ArrayList<>(entrypoint);
    a.addAll(cmd);
    return a;
  }

  static ImageConfig fromJson(JsonNode config) {
    JsonNode c = config == null ? null : config.get("config");
    if (c == null || !c.isObject()) {
      return new ImageConfig(null, null, null, null, null, null, null);
    }
    Map<String, String> labels = new TreeMap<>();
    c.path("Labels").fields().forEachRemaining(e -> labels.put(e.getKey(), e.getValue().asText()));
    return new ImageConfig(strings(c.get("Env")), strings(c.get("Entrypoint")), strings(c.get("Cmd")),
        c.path("WorkingDir").asText(""), c.path("User").asText(""), labels, c.path("StopSignal").asText(""));
  }

  private static List<String> strings(JsonNode n) {
    List<String> out = new ArrayList<>();
    if (n != null && n.isArray()) {
      n.forEach(x -> out.add(x.asText()));
    }
    return out;
  }
}
