package dev.conman.images;

import java.util.List;

/**
 * What a reference resolved to at the registry: the platform-specific image manifest (verified
 * against its digest) and, if the reference named an index / manifest list, that too.
 *
 * @param reference        what was asked for
 * @param digest           the digest the reference points to (the index's if it is one): what
 *                         {@code name@digest} pins, docker's "RepoDigest"
 * @param mediaType        media type of that top-level object
 * @param indexBytes       the index, verified, or {@code null} if the reference named a manifest
 * @param manifestDigest   the digest of the platform-specific manifest
 * @param manifestMediaType OCI or Docker schema 2 manifest
 * @param manifestBytes    the manifest, verified
 * @param config           the image config's descriptor (its digest is the image id)
 * @param layers           the layers, bottom first
 */
public record ResolvedManifest(ImageReference reference, Digest digest, String mediaType, byte[] indexBytes,
    Digest manifestDigest, String manifestMediaType, byte[] manifestBytes, Descriptor config, List<Descriptor> layers) {

  public ResolvedManifest {
    layers = List.copyOf(layers);
  }
}
