package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ListNetworksRequest;
import dev.conman.api.v1.Network;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import io.grpc.Status;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A root has one daemon: a second one on it refuses to start and leaves the first alone. A bridge
 * has one daemon: a second one on it serves without the bridge network.
 */
class TwoDaemonsIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  @Test
  void secondDaemonOnTheSameRootRefusesToStart() throws Exception {
    ConmanDaemon first = conman.daemon();
    String id = first.runtime().createContainer(Support.create(conman.name("first"), conman.rootfs(), "/bin/sleep", "100"))
        .getContainer().getId();
    first.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());

    // with a state directory of its own, and with the first daemon's own state directory (socket)
    for (Path state : new Path[] {first.dir().resolve("state2"), first.state()}) {
      Exec.Result second = Exec.run(Duration.ofSeconds(60), ConmanDaemon.processBuilder(
          ConmanDaemon.command(first.root(), state)));
      assertNotEquals(0, second.exitCode(), () -> "the second daemon must not start: " + second);
      String output = second.stdout() + second.stderr();
      assertTrue(output.contains(first.root().toString()), () -> "the message names the root: " + second);
      assertTrue(output.contains("another conmand"), () -> "the message says another daemon has it: " + second);
      assertTrue(output.contains(Long.toString(first.pid())), () -> "the message names the holder's pid: " + second);

      assertTrue(first.isAlive(), "the first daemon still runs");
      assertTrue(Files.exists(first.socket(), LinkOption.NOFOLLOW_LINKS), "the first daemon's socket is still there");
      assertEquals(ServingStatus.SERVING, first.health());
      Container c = first.runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
      assertEquals(ContainerState.CONTAINER_STATE_RUNNING, c.getState(), "its container is untouched");
      assertEquals(java.util.List.of(id), first.runcContainers(), "runc still runs exactly the first's container");
    }
    first.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
  }

  /**
   * Two daemons on one bridge would hand out the same addresses, each from its own address book:
   * the second serves without the bridge network, says why, and refuses creates on it.
   */
  @Test
  void secondDaemonOnTheSameBridgeServesWithoutIt() throws Exception {
    BridgeNetwork network = new BridgeNetwork("cmtwo0", "10.216.7.0/24");
    try (ConmanDaemon first = network.start(); ConmanDaemon second = network.start()) {
      Network taken = bridgeOf(second);
      assertFalse(taken.getAvailable(), () -> "the second daemon has no bridge network: " + taken);
      assertTrue(taken.getMessage().contains("cmtwo0 is in use by another conmand (pid " + first.pid() + ")"),
          () -> "the reason names the bridge and the holder: " + taken.getMessage());
      Path rootfs = Rootfs.build(second.dir().resolve("rfs"));
      Status refused = Support.status(() -> second.runtime().createContainer(
          Support.create(conman.name("on-bridge"), rootfs, "/bin/true").toBuilder().setNetwork("bridge").build()));
      assertEquals(Status.Code.FAILED_PRECONDITION, refused.getCode(), () -> "refused: " + refused);
      assertTrue(refused.getDescription().contains("in use by another conmand"), refused::getDescription);
      assertTrue(bridgeOf(first).getAvailable(), "the first daemon keeps its bridge network");
    }
  }

  private static Network bridgeOf(ConmanDaemon d) {
    return d.runtime().listNetworks(ListNetworksRequest.getDefaultInstance()).getNetworksList().stream()
        .filter(n -> n.getName().equals(BridgeNetwork.NAME)).findFirst().orElseThrow();
  }
}
