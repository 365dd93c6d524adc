package dev.conman.grpc.volumes;

import dev.conman.actors.ContainerException;
import dev.conman.actors.ContainerSpecValidator;
import dev.conman.actors.ContainerView;
import dev.conman.actors.VolumeStore;
import dev.conman.api.v1.CreateVolumeRequest;
import dev.conman.api.v1.CreateVolumeResponse;
import dev.conman.api.v1.ListVolumesRequest;
import dev.conman.api.v1.ListVolumesResponse;
import dev.conman.api.v1.RemoveVolumeRequest;
import dev.conman.api.v1.RemoveVolumeResponse;
import dev.conman.api.v1.Volume;
import dev.conman.api.v1.VolumeServiceGrpc;
import dev.conman.actors.ImageJournal;
import dev.conman.grpc.ContainerAsks;
import dev.conman.grpc.HostEvents;
import dev.conman.grpc.Responses;
import dev.conman.runc.VolumeMount;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Executor;

/**
 * The conman.v1 VolumeService: the volumes' directories (VolumeStore, on the blocking executor),
 * which containers mount each (from the containers' specs), and their history: volume_created
 * and volume_removed are journaled before the call is answered. A create that mounts a volume
 * that does not exist makes it here too ({@link #ensure}), before the container is created.
 */
public final class VolumeServiceImpl extends VolumeServiceGrpc.VolumeServiceImplBase
    implements ContainerSpecValidator.VolumeMaker {

  private final VolumeStore volumes;
  private final ContainerAsks containers;
  private final HostEvents journal;
  private final Executor blocking;

  public VolumeServiceImpl(VolumeStore volumes, ContainerAsks containers, HostEvents journal, Executor blocking) {
    this.volumes = volumes;
    this.containers = containers;
    this.journal = journal;
    this.blocking = blocking;
  }

  /**
   * Makes the volume and journals volume_created, unless it exists. Blocking. One at a time, so
   * that two creates of one new volume journal it once.
   */
  @Override
  public synchronized void ensure(String name) {
    if (volumes.exists(name)) {
      return;
    }
    try {
      volumes.ensure(name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot make volume " + name + ": " + e.getMessage(), e);
    }
    journal.record(new ImageJournal.VolumeCreated(name, Instant.now())).toCompletableFuture().join();
  }

  private synchronized void remove(String name, List<ContainerView> views) {
    if (!volumes.exists(name)) {
      throw ContainerException.noSuchVolume(name);
    }
    List<String> users = users(name, views);
    if (!users.isEmpty()) {
      throw ContainerException.precondition("volume " + name + " is mounted by " + String.join(", ", users)
          + "; delete " + (users.size() == 1 ? "that container" : "those containers") + " first");
    }
    try {
      volumes.remove(name);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot remove volume " + name + ": " + e.getMessage(), e);
    }
    journal.record(new ImageJournal.VolumeRemoved(name, Instant.now())).toCompletableFuture().join();
  }

  @Override
  public void createVolume(CreateVolumeRequest request, StreamObserver<CreateVolumeResponse> out) {
    Responses.respond(out, () -> {
      ContainerSpecValidator.checkVolumeName(request.getName());
      return containers.all().thenApplyAsync(views -> {
        ensure(request.getName());
        return volume(request.getName(), views);
      }, blocking);
    }, v -> CreateVolumeResponse.newBuilder().setVolume(v).build());
  }

  @Override
  public void listVolumes(ListVolumesRequest request, StreamObserver<ListVolumesResponse> out) {
    Responses.respond(out, () -> containers.all().thenApplyAsync(views -> {
      try {
        return volumes.names().stream().map(name -> volume(name, views)).toList();
      } catch (IOException e) {
        throw new UncheckedIOException("cannot list the volumes: " + e.getMessage(), e);
      }
    }, blocking), list -> ListVolumesResponse.newBuilder().addAllVolumes(list).build());
  }

  @Override
  public void removeVolume(RemoveVolumeRequest request, StreamObserver<RemoveVolumeResponse> out) {
    Responses.respond(out, () -> {
      String name = request.getName();
      ContainerSpecValidator.checkVolumeName(name);
      return containers.all().thenApplyAsync(views -> {
        remove(name, views);
        return name;
      }, blocking);
    }, name -> RemoveVolumeResponse.newBuilder().setName(name).build());
  }

  private Volume volume(String name, List<ContainerView> views) {
    return Volume.newBuilder().setName(name).setPath(volumes.path(name).toString())
        .addAllContainers(users(name, views)).build();
  }

  /** The containers (not deleted) whose spec mounts the volume. */
  private static List<String> users(String name, List<ContainerView> views) {
    return views.stream().filter(v -> v.spec().mounts().stream()
            .anyMatch(m -> m.kind() == VolumeMount.Kind.VOLUME && m.source().equals(name)))
        .map(v -> v.spec().name()).sorted().toList();
  }
}
