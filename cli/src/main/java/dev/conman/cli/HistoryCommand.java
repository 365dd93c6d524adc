package dev.conman.cli;

import dev.conman.api.v1.HistoryRequest;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** container history: History, printed like 'events' prints the host's events. */
@Command(name = "history",
    description = {"Print the whole journaled life of a container, oldest first, one event a line"
        + " as 'events' does, including reconciliations after daemon restarts.",
        "A deleted container keeps its history: give its full id."})
final class HistoryCommand extends DaemonCommand {
  @Parameters(paramLabel = "REF",
      description = RefCommand.REF_DESCRIPTION + " Full id for a deleted container.")
  String ref;

  @Override
  protected int run(Daemon daemon, Console console) {
    daemon.events().history(HistoryRequest.newBuilder().setRef(ref).build()).getEventsList()
        .forEach(console::event);
    return ExitCodes.OK;
  }
}
