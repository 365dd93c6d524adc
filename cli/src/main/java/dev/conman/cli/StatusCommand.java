package dev.conman.cli;

import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.StatusAtRequest;
import dev.conman.api.v1.StatusAtResponse;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;

/**
 * container status: GetContainer for each REF; with --at, StatusAt, which the daemon answers by
 * replaying the container's journaled events up to that point.
 */
@Command(name = "status", aliases = "inspect",
    description = "Show everything about containers: state, pid, exit code, times, command, ...")
final class StatusCommand extends RefCommand {
  @Option(names = "--at", paramLabel = "TIME|SEQ", converter = JournalPoint.SequenceConverter.class,
      description = "Show the container as it was at this RFC 3339 time (2026-11-28T10:00:00Z),"
          + " this long ago (10m, 2h, 1h30m, 2d), or after its event with this sequence number"
          + " (see 'container history'); also for a deleted container (by full id). One REF only.")
  JournalPoint at;

  @Override
  protected void validate() {
    if (at != null && refs.size() > 1) {
      throw new ParameterException(spec.commandLine(), "--at takes a single REF, not "
          + refs.size());
    }
  }

  @Override
  protected void actOn(String ref, Daemon daemon, Console console) {
    if (at == null) {
      console.details(daemon.runtime()
          .getContainer(GetContainerRequest.newBuilder().setRef(ref).build()).getContainer());
      return;
    }
    StatusAtRequest.Builder request = StatusAtRequest.newBuilder().setRef(ref);
    if (at.isTime()) {
      request.setTime(at.timestamp());
    } else {
      request.setSequence(at.number());
    }
    StatusAtResponse then = daemon.events().statusAt(request.build());
    console.details(then.getContainer(), then.getSequence());
  }
}
