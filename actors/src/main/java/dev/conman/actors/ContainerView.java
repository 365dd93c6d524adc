package dev.conman.actors;

import dev.conman.journal.CborSerializable;
import java.nio.file.Path;
import java.time.Instant;

/**
 * A container's status as a client sees it: a projection of the actor's state, built on demand.
 *
 * @param pid      host pid of the init process while it can run; 0 otherwise
 * @param exitCode null until exited, and when the exit code is unknown
 * @param message  why the container is in its phase, where that is not self-evident
 * @param network  the container's address on the bridge network while it holds one; null otherwise
 */
public record ContainerView(
    String id,
    Phase phase,
    ContainerSpec spec,
    int pid,
    Integer exitCode,
    Instant createdAt,
    Instant startedAt,
    Instant finishedAt,
    String message,
    Path logPath,
    int restartCount,
    boolean oomKilled,
    NetworkAttachment network)
    implements CborSerializable {

  public String name() {
    return spec.name();
  }
}
