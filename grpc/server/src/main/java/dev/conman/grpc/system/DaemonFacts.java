package dev.conman.grpc.system;

import java.nio.file.Path;
import java.time.Instant;

/**
 * What a daemon is, fixed at its start: its version, process, binaries, directories and default
 * network. {@code database}: the journal's SQLite file (its -wal and -shm files beside it count too).
 */
public record DaemonFacts(String version, long pid, Instant startedAt, Path runtime, Path conmon, Path root,
    Path state, Path socket, Path database, String defaultNetwork) {}
