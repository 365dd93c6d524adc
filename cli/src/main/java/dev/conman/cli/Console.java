package dev.conman.cli;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.Event;
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
  private final EventFormat events;
  private boolean detailsShown;

  Console(PrintWriter out, PrintWriter err, OutputFormat format, ContainerFormat containers,
      EventFormat events) {
    this.out = out;
    this.err = err;
    this.format = format;
    this.containers = containers;
    this.events = events;
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
    details(c, null);
  }

  /** Everything about a container as it was after its event {@code asOfSequence} (null: now). */
  void details(Container c, Long asOfSequence) {
    if (json()) {
      line(asOfSequence == null ? ContainerFormat.json(c) : ContainerFormat.json(c, asOfSequence));
      return;
    }
    if (detailsShown) {
      out.println();
    }
    out.print(containers.details(c, asOfSequence));
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

  /**
   * One journal event, flushed at once so that a pipe's reader sees it live. Returns false once
   * stdout no longer takes output (its reader, such as head, has gone): followers then stop.
   */
  boolean event(Event e) {
    line(json() ? EventFormat.json(e) : events.line(e));
    return !out.checkError();
  }

  /**
   * A round of stats: a table, after a blank line unless it is the first, or a JSON array on one
   * line. Returns false once stdout no longer takes output, as {@link #event} does.
   */
  boolean stats(List<StatsFormat.Row> rows, boolean first) {
    if (json()) {
      line(StatsFormat.json(rows));
    } else {
      text((first ? "" : "\n") + StatsFormat.table(rows));
    }
    return !out.checkError();
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

  /** A progress line: on stderr, so that stdout keeps only the result for scripts. */
  void progress(String s) {
    err.println(s);
    err.flush();
  }

  /** A container's processes: a table, or one JSON object. */
  void processes(dev.conman.api.v1.ContainerProcessesResponse r) {
    if (json()) {
      line(ProcessFormat.json(r));
    } else {
      text(ProcessFormat.table(r, containers.zone()));
    }
  }

  /** One line of output, flushed. */
  void line(String s) {
    out.println(s);
    out.flush();
  }

  /** Text that ends with its own newline (a table), flushed. */
  void text(String s) {
    out.print(s);
    out.flush();
  }
}
