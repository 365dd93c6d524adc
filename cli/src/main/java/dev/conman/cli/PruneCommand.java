package dev.conman.cli;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * container prune: ListContainers, then DeleteContainer (without force) for each container that
 * does not run, as docker container prune and podman container prune do. A container that starts
 * meanwhile is refused by the daemon and left alone; one deleted meanwhile is no error.
 */
@Command(name = "prune",
    description = "Remove every container that is not running or paused (created, exited, failed), with its"
        + " bundle and logs, as docker container prune does. Asks first at a terminal; --force does not ask."
        + " Prints the id of each.")
final class PruneCommand extends DaemonCommand {

  /** What prune removes: nothing runs in them, and no operation is under way. */
  static final Set<ContainerState> PRUNABLE = EnumSet.of(ContainerState.CONTAINER_STATE_CREATED,
      ContainerState.CONTAINER_STATE_EXITED, ContainerState.CONTAINER_STATE_FAILED,
      ContainerState.CONTAINER_STATE_UNKNOWN);

  @Option(names = {"-f", "--force"}, description = "Do not ask for confirmation (needed without a terminal).")
  boolean force;

  @Option(names = {"-l", "--label"}, paramLabel = "KEY=VALUE",
      description = "Only containers with this label; repeatable (all must match).")
  Map<String, String> labels = new LinkedHashMap<>();

  @Override
  protected int run(Daemon daemon, Console console) {
    if (!force && !Pruning.confirmed("This removes every container that is not running, with its logs.")) {
      console.error("prune removes every container that is not running, with its logs; nothing was removed"
          + " (confirm at a terminal, or add --force)");
      return ExitCodes.USAGE;
    }
    List<Container> prunable = daemon.runtime().listContainers(ListContainersRequest.newBuilder()
        .putAllLabels(labels).build()).getContainersList().stream().filter(c -> PRUNABLE.contains(c.getState()))
        .toList();
    return Pruning.removeEach(prunable, c -> daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder()
        .setRef(c.getId()).build()).getId(), console::deleted, console);
  }
}
