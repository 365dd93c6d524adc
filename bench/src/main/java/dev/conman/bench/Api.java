package dev.conman.bench;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.ManagedChannel;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** A warm gRPC client of conmand: one channel, reused by every call of a scenario. */
public final class Api implements AutoCloseable {

  private final ManagedChannel channel;
  private final RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;
  private final Path rootfs;

  public Api(Path socket, Path rootfs) {
    this.channel = Conmand.channel(socket);
    this.rt = RuntimeServiceGrpc.newBlockingStub(channel);
    this.rootfs = rootfs;
  }

  public ManagedChannel channel() {
    return channel;
  }

  public EventServiceGrpc.EventServiceStub events() {
    return EventServiceGrpc.newStub(channel);
  }

  private RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
    return rt.withDeadlineAfter(120, TimeUnit.SECONDS);
  }

  /**
   * Read-only busybox root and a network namespace with only loopback, like the runc bundles (and
   * podman's anchors, taken with --network none).
   */
  public Container create(String name, String... command) {
    return rt().createContainer(request(name, command).build()).getContainer();
  }

  /** Created and started in one call (start, as conmanctl run -d and runc run -d). */
  public Container run(String name, String... command) {
    return rt().createContainer(request(name, command).setStart(true).build()).getContainer();
  }

  /** The same, created to be deleted by the daemon once it has finished (auto_remove, docker run --rm). */
  public Container createAutoRemoved(String name, String... command) {
    return rt().createContainer(request(name, command).setAutoRemove(true).build()).getContainer();
  }

  private CreateContainerRequest.Builder request(String name, String... command) {
    return CreateContainerRequest.newBuilder()
        .setName(name).setImage(rootfs.toString()).addAllCommand(List.of(command)).setReadOnly(true)
        .setNetwork("none");
  }

  /**
   * WaitContainer until removed, asked now and answered later: as docker run --rm does, a client
   * asks before the start. The answer completes the future on netty's thread, which only wakes the
   * caller, rather than on a pool thread first.
   */
  public com.google.common.util.concurrent.ListenableFuture<dev.conman.api.v1.WaitContainerResponse> awaitRemoved(
      String ref) {
    return RuntimeServiceGrpc.newFutureStub(channel).withDeadlineAfter(120, TimeUnit.SECONDS)
        .withExecutor(com.google.common.util.concurrent.MoreExecutors.directExecutor()).waitContainer(
        WaitContainerRequest.newBuilder().setRef(ref).setCondition(dev.conman.api.v1.WaitCondition.WAIT_CONDITION_REMOVED)
            .build());
  }

  public Container start(String ref) {
    return rt().startContainer(StartContainerRequest.newBuilder().setRef(ref).build()).getContainer();
  }

  public Container await(String ref) {
    return rt().waitContainer(WaitContainerRequest.newBuilder().setRef(ref).build()).getContainer();
  }

  /** timeout 0: SIGKILL at once, returns once the container has exited. */
  public Container stopNow(String ref) {
    return rt().stopContainer(StopContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(0).build())
        .getContainer();
  }

  public void delete(String ref, boolean force) {
    rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(ref).setForce(force).build());
  }

  public List<Container> list() {
    return rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
  }

  public long countRunning(String prefix) {
    return list().stream()
        .filter(c -> c.getName().startsWith(prefix) && c.getState() == ContainerState.CONTAINER_STATE_RUNNING)
        .count();
  }

  public long count(String prefix) {
    return list().stream().filter(c -> c.getName().startsWith(prefix)).count();
  }

  /** Best-effort clean-up: force-deletes every container whose name starts with prefix. */
  public void removeAll(String prefix) {
    for (Container c : list()) {
      if (c.getName().startsWith(prefix)) {
        try {
          delete(c.getId(), true);
        } catch (RuntimeException e) {
          System.out.println("  clean-up: cannot delete " + c.getName() + ": " + e.getMessage());
        }
      }
    }
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
