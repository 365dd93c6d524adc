package dev.conman.runc;

/**
 * How conmon wires a container's stdio.
 *
 * @param terminal  the process gets a pseudo-terminal (config.json process.terminal, conmon {@code -t});
 *                  stdout and stderr are then one stream
 * @param stdin     conmon keeps a stdin for the process that attached clients write to ({@code --stdin});
 *                  without it stdin is /dev/null
 * @param stdinOnce the first attached client's disconnect closes the process's stdin (EOF), as in
 *                  {@code docker run -i}; otherwise stdin stays open across detaches
 *                  ({@code --leave-stdin-open})
 */
public record StdioMode(boolean terminal, boolean stdin, boolean stdinOnce) {

  /** Output only: stdin is /dev/null, no terminal. */
  public static final StdioMode NONE = new StdioMode(false, false, false);

  public StdioMode {
    if (stdinOnce && !stdin) {
      throw new IllegalArgumentException("stdin-once needs stdin");
    }
  }
}
