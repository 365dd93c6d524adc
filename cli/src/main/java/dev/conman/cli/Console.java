package dev.conman.cli;

import dev.conman.api.v1.Container;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.io.PrintWriter;
import java.util.List;

/**
 * Where a command's results and errors go: results on stdout in the chosen {@link OutputFormat},
 * errors on stderr as "conmanctl: CODE: message". Commands say what happened; this class decides
 * how it looks.
 */
final class Console {
  private final PrintWriter out;
  private final PrintWriter err;
  private final OutputFormat format;
  private final ContainerFormat containers;
  private boolean detailsShown;

  Console(PrintWriter out, PrintWriter err, OutputFormat format, ContainerFormat containers) {
    this.out = out;
    this.err = err;
    this.format = format;
    this.containers = containers;
  }

  boolean json() {
    return format == OutputFormat.JSON;
  }

  /** A container was created, started, stopped or killed: its id, or the container as JSON. */
  void acted(Container c) {
    line(json() ? ContainerFormat.json(c) : c.getId());
  }

  void deleted(String id) {
    line(json() ? ContainerFormat.deletedJson(id) : id);
  }

  /** Everything about a container; listings of several containers are separated by a blank line. */
  void details(Container c) {
    if (json()) {
      line(ContainerFormat.json(c));
      return;
    }
    if (detailsShown) {
      out.println();
    }
    out.print(containers.details(c));
    out.flush();
    detailsShown = true;
  }

  void list(List<Container> list, boolean quiet) {
    if (json()) {
      line(ContainerFormat.json(list));
    } else if (quiet) {
      list.forEach(c -> out.println(c.getId()));
      out.flush();
    } else {
      out.print(containers.table(list));
      out.flush();
    }
  }

  /** A container has exited: its exit code (nothing if unknown), or the container as JSON. */
  void exited(Container c) {
    if (json()) {
      line(ContainerFormat.json(c));
    } else if (c.hasExitCode()) {
      line(Integer.toString(c.getExitCode()));
    }
  }

  void error(StatusRuntimeException e) {
    error(describe(e));
  }

  void error(String message) {
    err.println("conmanctl: " + message);
    err.flush();
  }

  /**
   * "CODE: message". When the channel failed before the daemon answered, the status carries a
   * cause whose message says what went wrong, e.g. "Connection refused".
   */
  static String describe(StatusRuntimeException e) {
    String description = e.getStatus().getDescription();
    Throwable cause = e.getStatus().getCause();
    StringBuilder text = new StringBuilder(e.getStatus().getCode().name());
    if (description != null && !description.isEmpty()) {
      text.append(": ").append(description);
    }
    if (cause != null && cause.getMessage() != null) {
      text.append(": ").append(cause.getMessage());
      if (e.getStatus().getCode() == Status.Code.UNAVAILABLE) {
        text.append(" (is conmand running?)");
      }
    }
    return text.toString();
  }

  private void line(String s) {
    out.println(s);
    out.flush();
  }
}
