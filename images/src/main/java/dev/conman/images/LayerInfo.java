package dev.conman.images;

import java.time.Instant;
import java.util.List;

/**
 * An unpacked layer snapshot, {@code <images>/layers/<chain hex>/layer.json}; the files are in
 * {@code diff/} next to it.
 *
 * @param chainId    the OCI chain id (identity of this layer on top of its parents)
 * @param diffId     sha256 of the uncompressed layer tar
 * @param parent     chain id of the layer below, or null for a base layer
 * @param blob       the compressed blob it was unpacked from
 * @param size       bytes of file content
 * @param whiteouts  paths this layer deletes from the layers below
 * @param opaqueDirs directories whose lower content this layer hides
 * @param privileged unpacked as root: whiteouts exist as overlay 0/0 devices, owners are kept;
 *                   only such layers are mounted with overlayfs
 */
public record LayerInfo(String chainId, String diffId, String parent, String blob, long size, List<String> whiteouts,
    List<String> opaqueDirs, boolean privileged, Instant created) {}
