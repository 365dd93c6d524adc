package dev.conman.images;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * An OCI content descriptor: what a manifest says about a blob (or an index about a manifest).
 *
 * @param platform only set for entries of an image index
 */
public record Descriptor(String mediaType, Digest digest, long size, Platform platform, Map<String, String> annotations) {

  public Descriptor {
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public Descriptor(String mediaType, Digest digest, long size) {
    this(mediaType, digest, size, null, Map.of());
  }

  /** Reads a descriptor object; {@code what} names it in error messages. */
  static Descriptor fromJson(JsonNode n, String what) {
    if (n == null || !n.isObject()) {
      throw new ImageException(ImageException.Code.INVALID_CONTENT, what + ": descriptor missing or not an object");
    }
    JsonNode d = n.get("digest");
    JsonNode size = n.get("size");
    if (d == null || !d.isTextual() || size == null || !size.canConvertToLong() || size.asLong() < 0) {
      throw new ImageException(ImageException.Code.INVALID_CONTENT, what + ": descriptor without a valid digest and size: " + n);
    }
    Digest digest;
    try {
      digest = Digest.parse(d.asText());
    } catch (IllegalArgumentException e) {
      throw new ImageException(ImageException.Code.UNSUPPORTED, what + ": " + e.getMessage());
    }
    Platform platform = null;
    JsonNode p = n.get("platform");
    if (p != null && p.isObject()) {
      platform = new Platform(p.path("os").asText(""), p.path("architecture").asText(""),
          p.hasNonNull("variant") ? p.get("variant").asText() : null);
    }
    Map<String, String> annotations = new TreeMap<>();
    JsonNode a = n.get("annotations");
    if (a != null && a.isObject()) {
      a.fields().forEachRemaining(e -> annotations.put(e.getKey(), e.getValue().asText()));
    }
    return new Descriptor(n.path("mediaType").asText(""), digest, size.asLong(), platform, annotations);
  }
}
