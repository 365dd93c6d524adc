package dev.conman.runc;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A running {@code runc exec}. {@link #kill()} kills the process inside the container (by the pid
 * runc wrote), not only runc: a runc killed alone would leave its child running in the container.
 */
public final class ExecProcess {

  private final Process runc;
  private final Path pidFile;

  ExecProcess(Process runc, Path pidFile) {
    this.runc = runc;
    this.pidFile = pidFile;
  }

  public OutputStream stdin() {
    return runc.getOutputStream();
  }

  public InputStream stdout() {
    return runc.getInputStream();
  }

  public InputStream stderr() {
    return runc.getErrorStream();
  }

  /** Waits for the exit; runc exec's status is the process's (128+N when killed by signal N). */
  public int waitFor() throws InterruptedException {
    try {
      return runc.waitFor();
    } finally {
      cleanUp();
    }
  }

  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    boolean ended = runc.waitFor(timeout, unit);
    if (ended) {
      cleanUp();
    }
    return ended;
  }

  public int exitValue() {
    return runc.exitValue();
  }

  /** SIGKILL to the process in the container; runc then exits with 137. */
  public void kill() {
    try {
      String pid = Files.readString(pidFile).trim();
      if (!pid.isEmpty()) {
        ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
      }
    } catch (IOException | NumberFormatException e) {
      // not started yet (or already gone): killing runc is all there is to do
      runc.destroyForcibly();
    }
  }

  private void cleanUp() {
    try {
      Files.deleteIfExists(pidFile);
    } catch (IOException ignored) {
      // a stray pid file in conman's state directory is harmless
    }
  }
}
