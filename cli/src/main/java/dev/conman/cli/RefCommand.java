package dev.conman.cli;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
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
    return eachInTurn(refs, ref -> actOn(ref, daemon, console), Set.of(), console);
  }

  /**
   * {@code act} on each item in turn, as docker does with several REFs: a failure is reported on
   * stderr, unless its code is one of {@code quiet}, and does not stop the others.
   *
   * @return OK, or the exit status of the first failure reported
   */
  static <T> int eachInTurn(List<T> items, Consumer<T> act, Set<Status.Code> quiet, Console console) {
    int status = ExitCodes.OK;
    for (T item : items) {
      try {
        act.accept(item);
      } catch (StatusRuntimeException e) {
        if (!quiet.contains(e.getStatus().getCode())) {
          console.error(e);
          status = status == ExitCodes.OK ? ExitCodes.of(e) : status;
        }
      }
    }
    return status;
  }

  /** Acts on one container and prints the result. */
  protected abstract void actOn(String ref, Daemon daemon, Console console);
}
