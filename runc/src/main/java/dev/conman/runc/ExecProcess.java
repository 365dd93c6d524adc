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
 *
 * <p>With a terminal ({@link #terminal()}), runc runs in the foreground with a pseudo-terminal the
 * daemon owns as its stdio, and copies between it and the container process's own terminal: stdin
 * and stdout are then the daemon's end of that terminal, stderr is empty (a terminal has one output).
 */
public final class ExecProcess {

  private final Process runc;
  private final Path pidFile;
  private final Path log;
  private final PseudoTerminal terminal;
  /** The status once the process has ended; null before. */
  private Integer status;

  ExecProcess(Process runc, Path pidFile, Path log) {
    this(runc, pidFile, log, null);
  }

  ExecProcess(Process runc, Path pidFile, Path log, PseudoTerminal terminal) {
    this.runc = runc;
    this.pidFile = pidFile;
    this.log = log;
    this.terminal = terminal;
  }

  /** True when the process has a terminal. */
  public boolean terminal() {
    return terminal != null;
  }

  public OutputStream stdin() {
    return terminal != null ? terminal.output() : runc.getOutputStream();
  }

  /**
   * With a terminal, closing stdin means nothing (a terminal has no end of input but the EOF
   * character, which the user types): it is ignored.
   */
  public void closeStdin() throws IOException {
    if (terminal == null) {
      runc.getOutputStream().close();
    }
  }

  public InputStream stdout() {
    return terminal != null ? terminal.input() : runc.getInputStream();
  }

  public InputStream stderr() {
    return terminal != null ? InputStream.nullInputStream() : runc.getErrorStream();
  }

  /**
   * Sets the terminal's window size; runc is told (SIGWINCH) and sets the container process's
   * terminal to it. Without a terminal, nothing happens.
   *
   * @throws IllegalArgumentException for a size no terminal has
   */
  public void resize(int rows, int columns) throws IOException {
    PseudoTerminal.checkSize(rows, columns);
    if (terminal != null) {
      terminal.resize(rows, columns);
      PseudoTerminal.signalWindowChange(runc.pid());
    }
  }

  /**
   * Waits for the exit; runc exec's status is the process's (128+N when killed by signal N). A
   * command runc could not start ends as in a shell: 127 when it was not found, 126 when it could
   * not be executed (runc itself exits 255 then, which the process could as well: its log tells).
   * With a terminal, the output can then be read to its end.
   */
  public int waitFor() throws InterruptedException {
    return finish(runc.waitFor());
  }

  public boolean waitFor(long timeout, TimeUnit unit) throws InterruptedException {
    boolean ended = runc.waitFor(timeout, unit);
    if (ended) {
      finish(runc.exitValue());
    }
    return ended;
  }

  private synchronized int finish(int runcStatus) {
    if (status == null) {
      try {
        // a command that could not be run ends as in a shell; the process's own 255 stays 255
        status = runcStatus != RUNC_FAILED ? runcStatus
            : RuncJson.lastError(RuncCli.readQuietly(log)).flatMap(CommandErrors::classify)
                .map(CommandErrors::status).orElse(runcStatus);
      } finally {
        cleanUp();
      }
    }
    return status;
  }

  /** runc exec's own status when it failed (in Go: {@code fatalWithCode(err, 255)}). */
  private static final int RUNC_FAILED = 255;

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

  /** Releases the terminal, once its output was read; nothing to do without one. */
  public void release() {
    if (terminal != null) {
      terminal.close();
    }
  }

  private void cleanUp() {
    if (terminal != null) {
      terminal.closeSlave(); // runc's copies are closed: reads of the output end after the last byte
    }
    try {
      Files.deleteIfExists(pidFile);
      Files.deleteIfExists(log);
    } catch (IOException ignored) {
      // a stray pid file in conman's state directory is harmless
    }
  }
}
