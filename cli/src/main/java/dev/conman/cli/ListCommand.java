package dev.conman.cli;

import dev.conman.api.v1.ListContainersRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** container list: ListContainers. */
@Command(name = "list", aliases = "ls",
    description = "List the containers that are not deleted, oldest first.")
final class ListCommand extends DaemonCommand {
  @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE",
      description = "Only containers with this label; repeatable (all must match).")
  Map<String, String> labels = new LinkedHashMap<>();

  @Option(names = {"-q", "--quiet"}, description = "Print only the full ids (table output).")
  boolean quiet;

  @Override
  protected int run(Daemon daemon, Console console) {
    ListContainersRequest request = ListContainersRequest.newBuilder().putAllLabels(labels).build();
    console.list(daemon.runtime().listContainers(request).getContainersList(), quiet);
    return ExitCodes.OK;
  }
}
