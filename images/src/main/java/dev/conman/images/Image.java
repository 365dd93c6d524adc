package dev.conman.images;

import java.time.Instant;
import java.util.List;

/**
 * A pulled image as the store knows it.
 *
 * @param id                {@code sha256:<hex>} of the image config (docker's image id)
 * @param repoTags          {@code registry/repo:tag} names pointing at it (may be empty: dangling)
 * @param repoDigests       {@code registry/repo@sha256:...} it was pulled as (index digest for
 *                          multi-platform images)
 * @param manifestDigest    the platform-specific manifest
 * @param size              bytes in the registry: config + compressed layers
 * @param unpackedSize      bytes of file content of the unpacked layers
 * @param created           the config's creation time, or null
 * @param pulledAt          when it was last pulled
 * @param layers            bottom first
 */
public record Image(String id, List<String> repoTags, List<String> repoDigests, String manifestDigest,
    String manifestMediaType, long size, long unpackedSize, Instant created, Instant pulledAt, String os,
    String architecture, List<Layer> layers, ImageConfig config) {

  /**
   * A layer of an image.
   *
   * @param digest  the (compressed) blob
   * @param diffId  sha256 of the uncompressed tar
   * @param chainId identifies the unpacked snapshot
   */
  public record Layer(String digest, String mediaType, long size, String diffId, String chainId) {}

  public Image {
    repoTags = repoTags == null ? List.of() : List.copyOf(repoTags);
    repoDigests = repoDigests == null ? List.of() : List.copyOf(repoDigests);
    layers = layers == null ? List.of() : List.copyOf(layers);
  }

  /** The first 12 hex digits of the id, as docker shows it. */
  public String shortId() {
    return id.substring(id.indexOf(':') + 1, id.indexOf(':') + 13);
  }

  Image withNames(List<String> tags, List<String> digests, Instant pulled) {
    return new Image(id, tags, digests, manifestDigest, manifestMediaType, size, unpackedSize, created, pulled, os,
        architecture, layers, config);
  }
}
