package dev.conman.images;

import java.util.List;

/**
 * What a removal did; what an {@code ImageRemoved} event needs.
 *
 * @param imageId  the image concerned
 * @param untagged the tags removed
 * @param deleted  true if the image itself is gone (else only untagged, other tags remain)
 * @param gc       what the garbage collection after it freed
 */
public record RemoveResult(String imageId, List<String> untagged, boolean deleted, GcResult gc) {}
