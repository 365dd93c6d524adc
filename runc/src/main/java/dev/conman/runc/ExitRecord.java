package dev.conman.runc;

import java.time.Instant;

/**
 * The exit file conmon writes when a container's init process ends.
 *
 * @param exitCode   the process's exit status; 128+N when it was killed by signal N
 * @param finishedAt when conmon wrote the file (its modification time)
 * @param oomKilled  the kernel's OOM killer killed a process of the container (its memory cgroup
 *                   hit its limit) during this run; docker's and cri-o's meaning: true even when
 *                   the victim was a child and init exited on its own (then the exit code is not
 *                   137). Callers that want "init died of it" check {@code exitCode == 137} too.
 */
public record ExitRecord(int exitCode, Instant finishedAt, boolean oomKilled) {

  /** Not OOM-killed. */
  public ExitRecord(int exitCode, Instant finishedAt) {
    this(exitCode, finishedAt, false);
  }

  public ExitRecord withOomKilled(boolean oomKilled) {
    return new ExitRecord(exitCode, finishedAt, oomKilled);
  }
}
