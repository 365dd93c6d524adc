package dev.conman.runc;

import java.time.Instant;
import java.util.List;

/**
 * One process of a running container, as {@code docker top} and {@code podman top} show it.
 *
 * @param pid       its pid in the container's pid namespace (1: the container's init)
 * @param hostPid   its pid on the host
 * @param ppid      its parent's pid in the container; 0 when the parent is outside (conmon, runc)
 * @param uid       its effective user id
 * @param user      that user's name in the container's /etc/passwd; empty when it has none
 * @param state     the kernel's one-letter state: R running, S sleeping, D disk wait, Z zombie, ...
 * @param cpuNanos  CPU time used, user and system
 * @param startedAt when it started (to the kernel's 10 ms)
 * @param command   its arguments; a process without any (a zombie) has its name in brackets
 */
public record ContainerProcess(long pid, long hostPid, long ppid, long uid, String user, String state, long cpuNanos,
    Instant startedAt, List<String> command) {}
