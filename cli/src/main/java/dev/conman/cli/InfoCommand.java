package dev.conman.cli;

import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.GetInfoRequest;
import dev.conman.api.v1.GetInfoResponse;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;

/** {@code info} and {@code version}: what the daemon is and holds, as docker info and docker version tell. */
final class InfoCommand {

  private InfoCommand() {}

  /** Asks the daemon for its info once and prints it for people or, with -o json, for scripts. */
  private abstract static class InfoPrinter extends DaemonCommand {
    @Override
    protected int run(Daemon daemon, Console console) {
      GetInfoResponse info = daemon.system().getInfo(GetInfoRequest.getDefaultInstance());
      if (console.json()) {
        console.line(json(info));
      } else {
        console.text(text(info));
      }
      return ExitCodes.OK;
    }

    abstract String json(GetInfoResponse info);

    abstract String text(GetInfoResponse info);
  }

  @Command(name = "info", description = "Show the daemon: its version and those of runc and conmon, its"
      + " directories and socket, when it started, and how many containers (by state), images and journaled"
      + " events it holds.")
  static final class Info extends InfoPrinter {
    @Override
    String json(GetInfoResponse info) {
      return InfoCommand.json(info, client());
    }

    @Override
    String text(GetInfoResponse info) {
      return table(info, client(), ZoneId.systemDefault());
    }
  }

  @Command(name = "version", description = "Show the versions of conmanctl, of the daemon and its API, and of"
      + " runc and conmon.")
  static final class Version extends InfoPrinter {
    @Override
    String json(GetInfoResponse info) {
      return Json.object().put("client", client()).put("daemon", info.getVersion())
          .put("api_version", info.getApiVersion()).put("runtime_version", info.getRuntimeVersion())
          .put("conmon_version", info.getConmonVersion()).toString();
    }

    @Override
    String text(GetInfoResponse info) {
      return ContainerFormat.align(List.of(
          new String[] {"Client:", client()},
          new String[] {"Daemon:", info.getVersion() + " (API " + info.getApiVersion() + ")"},
          new String[] {"Runtime:", orUnknown(info.getRuntimeVersion())},
          new String[] {"Conmon:", orUnknown(info.getConmonVersion())}));
    }
  }

  private static String client() {
    return new Conmanctl.Version().getVersion()[0];
  }

  /** One "Key: value" line each, aligned. */
  static String table(GetInfoResponse i, String client, ZoneId zone) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"Daemon:", i.getVersion() + " (pid " + i.getPid() + ", API " + i.getApiVersion() + ")"});
    rows.add(new String[] {"Started:", Timestamps.local(i.getStartedAt(), zone)});
    rows.add(new String[] {"Runtime:", i.getRuntime() + " (" + orUnknown(i.getRuntimeVersion()) + ")"});
    rows.add(new String[] {"Conmon:", i.getConmon() + " (" + orUnknown(i.getConmonVersion()) + ")"});
    rows.add(new String[] {"Root:", i.getRoot()});
    rows.add(new String[] {"State:", i.getState()});
    rows.add(new String[] {"Socket:", i.getSocket()});
    rows.add(new String[] {"Default network:", i.getDefaultNetwork()});
    rows.add(new String[] {"Containers:", i.getContainers() + byState(i.getContainersByStateMap())});
    rows.add(new String[] {"Images:", Integer.toString(i.getImages())});
    rows.add(new String[] {"Journal:", "offset " + i.getJournalOffset() + ", " + Sizes.human(i.getJournalBytes())});
    rows.add(new String[] {"Client:", client});
    return ContainerFormat.align(rows);
  }

  static String json(GetInfoResponse i, String client) {
    Json byState = Json.object();
    i.getContainersByStateMap().entrySet().stream().sorted(Map.Entry.comparingByKey())
        .forEach(e -> byState.put(stateName(e.getKey()), e.getValue()));
    return Json.object().put("version", i.getVersion()).put("api_version", i.getApiVersion()).put("pid", i.getPid())
        .put("started_at", Timestamps.json(i.hasStartedAt(), i.getStartedAt()))
        .put("runtime", i.getRuntime()).put("runtime_version", i.getRuntimeVersion())
        .put("conmon", i.getConmon()).put("conmon_version", i.getConmonVersion())
        .put("root", i.getRoot()).put("state", i.getState()).put("socket", i.getSocket())
        .put("default_network", i.getDefaultNetwork()).put("containers", i.getContainers())
        .put("containers_by_state", byState).put("images", i.getImages())
        .put("journal_offset", i.getJournalOffset()).put("journal_bytes", i.getJournalBytes())
        .put("client", client).toString();
  }

  /** " (EXITED 1, RUNNING 2)", in the order of the states' names; empty without containers. */
  private static String byState(Map<String, Integer> counts) {
    if (counts.isEmpty()) {
      return "";
    }
    return counts.entrySet().stream().sorted(Map.Entry.comparingByKey())
        .map(e -> stateName(e.getKey()) + " " + e.getValue()).collect(Collectors.joining(", ", " (", ")"));
  }

  /** CONTAINER_STATE_RUNNING -> RUNNING, as list shows states; a state this conmanctl does not know as sent. */
  private static String stateName(String protoName) {
    try {
      return ContainerFormat.state(ContainerState.valueOf(protoName));
    } catch (IllegalArgumentException e) {
      return protoName;
    }
  }

  private static String orUnknown(String version) {
    return version.isEmpty() ? "version unknown" : version;
  }
}
