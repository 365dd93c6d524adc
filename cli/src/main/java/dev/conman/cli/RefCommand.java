package dev.conman.cli;

import io.grpc.StatusRuntimeException;
import java.util.List;
import picocli.CommandLine.Parameters;

/**
 * A verb that acts on one or more containers, as docker does: each REF is tried in turn, a
 * failure is reported on stderr and does not stop the others, and the exit status is that of the
 * first failure.
 */
abstract class RefCommand extends DaemonCommand {
  static final String REF_DESCRIPTION =
      "Container: full id, unique id prefix, or name.";

  @Parameters(paramLabel = "REF", arity = "1..*", description = REF_DESCRIPTION)
  List<String> refs;

  @Override
  protected final int run(Daemon daemon, Console console) {
    int status = ExitCodes.OK;
    for (String ref : refs) {
      try {
        actOn(ref, daemon, console);
      } catch (StatusRuntimeException e) {
        console.error(e);
        status = status == ExitCodes.OK ? ExitCodes.of(e) : status;
      }
    }
    return status;
  }

  /** Acts on one container and prints the result. */
  protected abstract void actOn(String ref, Daemon daemon, Console console);
}
