package dev.conman.network;

import dev.conman.runc.Command;
import dev.conman.runc.CommandResult;
import dev.conman.runc.CommandRunner;
import dev.conman.runc.RuntimeFailure;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** Helper commands (ip, unshare, umount, iptables) with a timeout and the sbin directories in PATH. */
final class Host {

  private Host() {}

  static CommandResult run(CommandRunner runner, List<String> argv, Duration timeout, String what)
      throws NetworkException {
    Command command = new Command(argv, Map.of("PATH", PluginRunner.searchPath(System.getenv("PATH"))));
    try {
      return runner.run(command, timeout);
    } catch (RuntimeFailure e) {
      throw new NetworkException(e.kind() == RuntimeFailure.Kind.TIMEOUT ? NetworkException.Kind.TIMEOUT
          : NetworkException.Kind.SYSTEM, "cannot " + what + ": " + e.getMessage(), e);
    }
  }
}
