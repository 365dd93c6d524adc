package dev.conman.cli;

import io.grpc.Status;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * What container prune and image prune share: docker's question at a terminal, and removals one
 * by one, in which what someone else removed, or what came into use meanwhile, is no error.
 */
final class Pruning {

  private Pruning() {}

  /** {@code question} asked at a terminal; false without one, for there is nobody to answer it. */
  static boolean confirmed(String question) {
    java.io.Console terminal = System.console();
    if (terminal == null) {
      return false;
    }
    String answer = terminal.readLine(question + " Continue? [y/N] ");
    return answer != null && (answer.strip().equalsIgnoreCase("y") || answer.strip().equalsIgnoreCase("yes"));
  }

  /**
   * {@code remove} on each candidate, {@code removed} told of each result; NOT_FOUND (removed by
   * someone else) and FAILED_PRECONDITION (in use, or started, meanwhile) are skipped.
   *
   * @return the exit status: OK, or that of the first other failure (each is reported)
   */
  static <T, R> int removeEach(List<T> candidates, Function<T, R> remove, Consumer<R> removed, Console console) {
    return RefCommand.eachInTurn(candidates, c -> removed.accept(remove.apply(c)),
        Set.of(Status.Code.NOT_FOUND, Status.Code.FAILED_PRECONDITION), console);
  }
}
