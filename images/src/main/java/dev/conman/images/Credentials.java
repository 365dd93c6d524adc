package dev.conman.images;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** A user name and password (or token) for a registry. */
public record Credentials(String username, String password) {

  @Override
  public String toString() {
    return "Credentials[" + username + ", ****]";
  }

  String basicHeader() {
    return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  /**
   * Reads a docker / podman style credentials file ({@code ~/.docker/config.json},
   * {@code auth.json}): {@code {"auths": {"host:port": {"auth": base64("user:pass")}}}} or with
   * {@code username} / {@code password} fields. Keys are normalised to registry host names
   * ({@code https://index.docker.io/v1/} is {@code docker.io}). A missing file is an empty map.
   */
  public static Map<String, Credentials> load(Path file) {
    Map<String, Credentials> out = new LinkedHashMap<>();
    if (!Files.exists(file)) {
      return out;
    }
    JsonNode root;
    try {
      root = Json.MAPPER.readTree(file.toFile());
    } catch (IOException e) {
      throw new ImageException(ImageException.Code.IO, "cannot read registry credentials " + file + ": " + e.getMessage(), e);
    }
    JsonNode auths = root.path("auths");
    auths.fields().forEachRemaining(e -> {
      String host = normaliseHost(e.getKey());
      JsonNode v = e.getValue();
      if (v.hasNonNull("auth")) {
        String decoded = new String(Base64.getDecoder().decode(v.get("auth").asText()), StandardCharsets.UTF_8);
        int colon = decoded.indexOf(':');
        if (colon > 0) {
          out.put(host, new Credentials(decoded.substring(0, colon), decoded.substring(colon + 1)));
        }
      } else if (v.hasNonNull("username") && v.hasNonNull("password")) {
        out.put(host, new Credentials(v.get("username").asText(), v.get("password").asText()));
      }
    });
    return out;
  }

  static String normaliseHost(String key) {
    String h = key;
    if (h.startsWith("https://")) {
      h = h.substring(8);
    } else if (h.startsWith("http://")) {
      h = h.substring(7);
    }
    int slash = h.indexOf('/');
    if (slash >= 0) {
      h = h.substring(0, slash);
    }
    if (h.equals("index.docker.io") || h.equals("registry-1.docker.io")) {
      return ImageReference.DOCKER_HUB;
    }
    return h;
  }
}
