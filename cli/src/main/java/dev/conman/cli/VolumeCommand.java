package dev.conman.cli;

import dev.conman.api.v1.CreateVolumeRequest;
import dev.conman.api.v1.ListVolumesRequest;
import dev.conman.api.v1.RemoveVolumeRequest;
import dev.conman.api.v1.Volume;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** The noun "volume": named volumes, directories the daemon keeps for data that outlives containers. */
@Command(name = "volume", description = "Create, list and remove named volumes: directories the daemon keeps"
    + " under its root for data that outlives containers (mount one with -v NAME:PATH).")
final class VolumeCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return Conmanctl.missingCommand(spec);
  }

  @Command(name = "create", description = "Make a volume (an existing one is left as it is). Prints its name.")
  static final class Create extends DaemonCommand {
    @Parameters(paramLabel = "NAME", description = "[a-zA-Z0-9][a-zA-Z0-9_.-]*, at most 128 characters.")
    String name;

    @Override
    protected int run(Daemon daemon, Console console) {
      Volume v = daemon.volumes().createVolume(CreateVolumeRequest.newBuilder().setName(name).build()).getVolume();
      console.line(console.json() ? json(v) : v.getName());
      return ExitCodes.OK;
    }
  }

  @Command(name = "list", aliases = "ls", description = "List the volumes: name, directory, the containers that"
      + " mount them.")
  static final class ListVolumes extends DaemonCommand {
    @Override
    protected int run(Daemon daemon, Console console) {
      List<Volume> volumes = daemon.volumes().listVolumes(ListVolumesRequest.getDefaultInstance()).getVolumesList();
      if (console.json()) {
        console.line(Json.array(volumes.stream().map(VolumeCommand::json).toList()));
      } else {
        console.text(table(volumes));
      }
      return ExitCodes.OK;
    }
  }

  @Command(name = "remove", aliases = "rm", description = "Remove volumes with their data; refused while a"
      + " container that is not deleted mounts one. Prints the name of each.")
  static final class Remove extends DaemonCommand {
    @Parameters(paramLabel = "NAME", arity = "1..*", description = "The volumes' names.")
    List<String> names = new ArrayList<>();

    @Override
    protected int run(Daemon daemon, Console console) {
      return RefCommand.eachInTurn(names, name -> console.line(daemon.volumes().removeVolume(
          RemoveVolumeRequest.newBuilder().setName(name).build()).getName()), java.util.Set.of(), console);
    }
  }

  static String table(List<Volume> volumes) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "CONTAINERS", "PATH"});
    for (Volume v : volumes) {
      rows.add(new String[] {v.getName(), v.getContainersCount() == 0 ? "-" : String.join(",", v.getContainersList()),
          v.getPath()});
    }
    return ContainerFormat.align(rows);
  }

  static String json(Volume v) {
    return Json.object().put("name", v.getName()).put("path", v.getPath()).put("containers", v.getContainersList())
        .toString();
  }
}
