package dev.conman.runc;

import java.time.Instant;

/**
 * The exit file conmon writes when a container's init process ends.
 *
 * @param exitCode   the process's exit status; 128+N when it was killed by signal N
 * @param finishedAt when conmon wrote the file (its modification time)
 */
public record ExitRecord(int exitCode, Instant finishedAt) {}
