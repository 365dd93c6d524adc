/**
 * Container images: pulling from OCI registries, a content-addressed store, layer unpacking and
 * root file systems for containers.
 *
 * <pre>
 * &lt;root&gt;/images/                       mode 0700 (layers hold set-uid files and devices)
 *   .lock                               one process per store
 *   index.json                          images and tags (rewritten atomically)
 *   blobs/sha256/&lt;hex&gt;                 manifests, indexes, configs, compressed layers (verified, read-only)
 *   blobs/tmp/                          downloads in progress (cleaned on open and by gc)
 *   layers/&lt;chain-id hex&gt;/diff/        one unpacked layer, overlayfs upper-dir format
 *   layers/&lt;chain-id hex&gt;/layer.json   diff id, parent, whiteouts, opaque dirs
 *   layers/.tmp-*, .del-*               unpacks / deletions in progress (cleaned on open and by gc)
 *   leases/&lt;sha256(dir)&gt;.json          layers used by a prepared root file system
 * &lt;container dir&gt;/rootfs                 overlay mount point (or full copy)
 * &lt;container dir&gt;/overlay/{upper,work}   the container's writable layer
 * &lt;container dir&gt;/rootfs.json            image id and mode (overlay / copy)
 * </pre>
 *
 * <p>Entry points: {@link dev.conman.images.ImageStore} (pull, list, get, remove, gc),
 * {@link dev.conman.images.RootfsBuilder} (prepare, release), {@link dev.conman.images.ImageReference}.
 * Every method blocks; every failure is an {@link dev.conman.images.ImageException} with a code.
 */
package dev.conman.images;
