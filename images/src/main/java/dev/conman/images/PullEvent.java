package dev.conman.images;

/**
 * Progress of a pull, for a progress display.
 *
 * @param layer   short blob digest (12 hex) for layer events, null otherwise
 * @param current bytes so far (DOWNLOADING), else 0
 * @param total   the layer's size, or the number of layers for RESOLVED
 */
public record PullEvent(Kind kind, String reference, String layer, long current, long total) {

  public enum Kind {
    /** Asking the registry for the manifest. */
    RESOLVING,
    /** Manifest known; {@code total} = number of layers. */
    RESOLVED,
    /** The layer is already stored (or unpacked): nothing to download. */
    LAYER_EXISTS,
    /** Bytes arrived (throttled to about 10 events per second per layer). */
    DOWNLOADING,
    /** Downloaded and verified. */
    DOWNLOADED,
    EXTRACTING,
    EXTRACTED,
    /** The image is stored and tagged. */
    DONE
  }
}
