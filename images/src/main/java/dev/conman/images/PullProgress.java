package dev.conman.images;

/**
 * Receives the progress of a pull. Calls are serialised (never concurrent) but come from the
 * pulling and download threads; keep them fast and non-blocking (e.g. hand over to a stream).
 */
@FunctionalInterface
public interface PullProgress {

  PullProgress NONE = e -> { };

  void onEvent(PullEvent event);
}
