package dev.conman.images;

import java.time.Duration;

/**
 * What a pull did; what an {@code ImagePulled} event needs.
 *
 * @param image           the stored image (with all its tags)
 * @param reference       the normalised reference pulled
 * @param digest          what the reference resolved to at the registry (index or manifest)
 * @param previousImageId the image the tag pointed to before, if it moved; else null
 * @param blobsDownloaded blobs fetched now (0: everything was already here)
 * @param bytesDownloaded bytes fetched now
 */
public record PullResult(Image image, ImageReference reference, String digest, String previousImageId,
    int blobsDownloaded, long bytesDownloaded, Duration elapsed) {}
