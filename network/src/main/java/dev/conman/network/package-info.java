/**
 * Container networking for conman: network namespaces and the CNI reference plugins.
 *
 * <h2>How the daemon uses it</h2>
 * <ul>
 *   <li>Start: one {@link dev.conman.network.CniNetwork} from a
 *       {@link dev.conman.network.NetworkConfig} whose state directory is {@code <state>/cni}.</li>
 *   <li>Create with {@code --network bridge}: {@link dev.conman.network.CniNetwork#attach} before
 *       {@code runc create}; put {@link dev.conman.network.NetworkMode#ociNamespace} (the
 *       attachment's netns path) into the spec's {@code linux.namespaces} in place of the plain
 *       network entry; write {@link dev.conman.network.DnsFiles} and bind-mount them over
 *       {@code /etc/resolv.conf}, {@code /etc/hosts}, {@code /etc/hostname}; journal the
 *       attachment (address, ports). If anything after attach fails, detach.
 *       {@code none}: the plain {@code {"type":"network"}} entry (runc brings up lo).
 *       {@code host}: no network entry at all.</li>
 *   <li>Delete (and a failed create): {@link dev.conman.network.CniNetwork#detach} after runc
 *       has deleted the container; journal the detachment. A restart by restart policy keeps
 *       the attachment.</li>
 *   <li>After a restart: for each id of {@link dev.conman.network.CniNetwork#list}, keep it if
 *       the container still exists (and the attachment is complete), else detach; then
 *       {@link dev.conman.network.CniNetwork#reclaimOrphans}.</li>
 * </ul>
 */
package dev.conman.network;
