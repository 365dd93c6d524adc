package dev.conman.cli;

import dev.conman.api.v1.ListNetworksRequest;
import dev.conman.api.v1.Network;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** The noun "network": what --network of create and run can name (its verb: {@link CommandTree}). */
@Command(name = "network", description = "Show the networks containers can be created on.")
final class NetworkCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    return Conmanctl.missingCommand(spec);
  }

  @Command(name = "list", aliases = "ls", description = "List the networks: the daemon's bridge network"
      + " (subnet, gateway, containers holding an address), none and host; * marks the default.")
  static final class ListNetworks extends DaemonCommand {
    @Override
    protected int run(Daemon daemon, Console console) {
      List<Network> networks = daemon.runtime().listNetworks(ListNetworksRequest.getDefaultInstance())
          .getNetworksList();
      if (console.json()) {
        console.line(json(networks));
      } else {
        console.text(table(networks));
      }
      return ExitCodes.OK;
    }
  }

  static String table(List<Network> networks) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"NAME", "DRIVER", "BRIDGE", "SUBNET", "GATEWAY", "CONTAINERS", "STATUS"});
    for (Network n : networks) {
      rows.add(new String[] {n.getName() + (n.getIsDefault() ? " *" : ""), n.getDriver(), dash(n.getBridge()),
          dash(n.getSubnet()), dash(n.getGateway()), Integer.toString(n.getContainers()),
          n.getAvailable() ? "available" : "unavailable: " + n.getMessage()});
    }
    return ContainerFormat.align(rows);
  }

  static String json(List<Network> networks) {
    return Json.array(networks.stream().map(n -> Json.object().put("name", n.getName()).put("driver", n.getDriver())
        .put("bridge", n.getBridge()).put("subnet", n.getSubnet()).put("gateway", n.getGateway())
        .put("default", n.getIsDefault()).put("available", n.getAvailable()).put("message", n.getMessage())
        .put("containers", n.getContainers()).toString()).toList());
  }

  private static String dash(String s) {
    return s.isEmpty() ? "-" : s;
  }
}
