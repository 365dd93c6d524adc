package dev.conman.images;

/** What a garbage collection freed. */
public record GcResult(int blobsRemoved, int layersRemoved, long bytesFreed) {

  public static final GcResult NONE = new GcResult(0, 0, 0);
}
