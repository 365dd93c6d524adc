package dev.conman.cli;

import picocli.CommandLine.Option;

/** run's and attach's --sig-proxy, as docker's: see {@link SignalProxy}. */
final class SigProxyOption {
  @Option(names = "--sig-proxy", arity = "0..1", defaultValue = "true", fallbackValue = "true",
      paramLabel = "BOOL",
      description = "Without a terminal (-t): send SIGINT (Ctrl-C), SIGTERM and SIGHUP that conmanctl gets to"
          + " the container, and go on waiting for its exit; the third SIGINT or SIGTERM exits 130 and leaves it"
          + " running. --sig-proxy=false: Ctrl-C ends conmanctl at once, the container runs on (default: true).")
  boolean enabled;

  /** The proxy for container {@code id}, or null (nothing to close) with a terminal or when disabled. */
  SignalProxy start(Daemon daemon, String id, boolean tty, Console console) {
    return enabled && !tty
        ? SignalProxy.start(daemon, id, console, () -> System.exit(ExitCodes.INTERRUPTED))
        : null;
  }
}
