package dev.conman.cli;

import dev.conman.api.v1.IoServiceGrpc.IoServiceBlockingStub;
import dev.conman.api.v1.LogEntry;
import dev.conman.api.v1.LogStream;
import dev.conman.api.v1.LogsRequest;
import java.time.Instant;
import java.util.Iterator;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * logs (also container logs): Logs, writing each entry's bytes to conmanctl's stdout or stderr,
 * as the container wrote them, like docker logs. Without --follow the daemon ends the stream at
 * the end of the log and the call has the usual deadline; with it, the stream lasts until the
 * container has exited (or Ctrl-C).
 */
@Command(name = "logs",
    description = {"Print a container's output: what it wrote to stdout goes to stdout, what it"
        + " wrote to stderr to stderr, byte for byte. Also after the container exited and after"
        + " daemon restarts, until it is deleted.",
        "With --follow, keeps printing new output until the container has exited."})
final class LogsCommand extends DaemonCommand {
  @Option(names = {"-f", "--follow"},
      description = "After the past output, keep printing new output until the container has"
          + " exited (no deadline).")
  boolean follow;

  long tail = -1;

  @Option(names = "--tail", paramLabel = "N",
      description = "Only the last N lines (before following). Default: all.")
  void tail(long lines) {
    if (lines < 0) {
      throw new ParameterException(spec.commandLine(),
          "--tail must be 0 or more lines, not " + lines);
    }
    tail = lines;
  }

  @Option(names = "--since", paramLabel = "TIME|DURATION",
      converter = JournalPoint.TimeConverter.class,
      description = "Only output written at or after this RFC 3339 time (2026-11-28T10:00:00Z)"
          + " or this long ago (10m, 2h, 1h30m, 2d).")
  Instant since;

  @Option(names = {"-t", "--timestamps"},
      description = "Start each line with the time it was written: RFC 3339 in UTC, to the"
          + " nanosecond (2026-11-28T10:00:00.000000001Z), then a space.")
  boolean timestamps;

  @ArgGroup(exclusive = true)
  OneStream only;

  /** --stdout and --stderr exclude each other. */
  static final class OneStream {
    @Option(names = "--stdout", required = true,
        description = "Only what the container wrote to stdout.")
    boolean stdout;

    @Option(names = "--stderr", required = true,
        description = "Only what the container wrote to stderr.")
    boolean stderr;
  }

  @Parameters(paramLabel = "REF", description = RefCommand.REF_DESCRIPTION)
  String ref;

  LogsRequest request() {
    LogsRequest.Builder request = LogsRequest.newBuilder().setRef(ref).setFollow(follow)
        .setStream(stream());
    if (tail >= 0) {
      request.setTail(tail);
    }
    if (since != null) {
      request.setSince(Timestamps.of(since));
    }
    return request.build();
  }

  private LogStream stream() {
    if (only == null) {
      return LogStream.LOG_STREAM_UNSPECIFIED;
    }
    return only.stderr ? LogStream.LOG_STREAM_STDERR : LogStream.LOG_STREAM_STDOUT;
  }

  @Override
  protected int run(Daemon daemon, Console console) {
    IoServiceBlockingStub io = follow ? daemon.ioWithoutDeadline() : daemon.io();
    copy(io.logs(request()), stdio(), new LogFormat(timestamps));
    return ExitCodes.OK;
  }

  /**
   * Writes each entry to stdout or stderr, as the container wrote it, until the stream ends or the
   * reader has gone ({@code | head}: as good as Ctrl-C).
   */
  private static void copy(Iterator<LogEntry> entries, Stdio stdio, LogFormat format) {
    while (entries.hasNext()) {
      LogEntry entry = entries.next();
      if (!stdio.write(LogFormat.isStderr(entry), format.bytes(entry))) {
        return;
      }
    }
  }
}
