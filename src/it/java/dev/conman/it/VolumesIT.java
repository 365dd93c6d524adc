package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.CreateVolumeRequest;
import dev.conman.api.v1.ListVolumesRequest;
import dev.conman.api.v1.Mount;
import dev.conman.api.v1.RemoveVolumeRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.Volume;
import dev.conman.api.v1.VolumeServiceGrpc;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status.Code;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Named volumes with the real runc: made by the first container that mounts one, its data seen by
 * the next container, listed with the containers that mount it, removed only once none does.
 */
class VolumesIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  private VolumeServiceGrpc.VolumeServiceBlockingStub volumes() {
    return VolumeServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static Mount volume(String name, String destination) {
    return Mount.newBuilder().setType("volume").setSource(name).setDestination(destination).build();
  }

  /** Creates a container that runs {@code script} with the volume at /data, runs it, returns its exit code and id. */
  private String runWithVolume(String name, String volume, String script, int expectedExit) {
    ConmanDaemon d = conman.daemon();
    String id = d.runtime().createContainer(Support.create(conman.name(name), conman.rootfs(), "/bin/sh", "-c",
        script).toBuilder().addMounts(volume(volume, "/data")).build()).getContainer().getId();
    d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    assertEquals(expectedExit, d.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build())
        .getContainer().getExitCode(), name);
    return id;
  }

  @Test
  void aVolumeOutlivesItsContainersAndIsRemovedOnceNoneMountsIt() throws Exception {
    ConmanDaemon d = conman.daemon();
    String writer = runWithVolume("writer", "shared", "echo kept > /data/file", 0);
    Path dir = d.root().resolve("volumes/shared");
    assertEquals("kept\n", Files.readString(dir.resolve("file")), "made at the first create, under the root");
    conman.forceDelete(writer);

    String reader = runWithVolume("reader", "shared", "grep -q kept /data/file", 0);
    List<Volume> listed = volumes().listVolumes(ListVolumesRequest.getDefaultInstance()).getVolumesList();
    assertEquals(List.of(Volume.newBuilder().setName("shared").setPath(dir.toString())
        .addContainers(conman.name("reader")).build()), listed);
    Support.assertCode(Code.FAILED_PRECONDITION, () -> volumes().removeVolume(RemoveVolumeRequest.newBuilder()
        .setName("shared").build()));
    assertTrue(Files.exists(dir.resolve("file")), "kept while a container mounts it");

    conman.forceDelete(reader);
    assertEquals("shared", volumes().removeVolume(RemoveVolumeRequest.newBuilder().setName("shared").build())
        .getName());
    assertFalse(Files.exists(dir));
    Support.assertCode(Code.NOT_FOUND, () -> volumes().removeVolume(RemoveVolumeRequest.newBuilder()
        .setName("shared").build()));

    // its history: made once by the first create that named it, removed once
    List<dev.conman.api.v1.Event> events = new java.util.ArrayList<>();
    // filtered by type on the server, as conmanctl events --filter type=volume_created asks
    dev.conman.api.v1.EventServiceGrpc.newBlockingStub(d.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .subscribe(dev.conman.api.v1.SubscribeRequest.newBuilder().setSinceOffset(0)
            .addFilters(dev.conman.api.v1.Filter.newBuilder().setKey("type").setValue("volume_created"))
            .addFilters(dev.conman.api.v1.Filter.newBuilder().setKey("type").setValue("volume_removed"))
            .addFilters(dev.conman.api.v1.Filter.newBuilder().setKey("type").setValue("create_requested")).build())
        .forEachRemaining(events::add);
    assertEquals(List.of("volume_created", "volume_removed"), events.stream().filter(e -> e.getVolume().equals("shared"))
        .map(dev.conman.api.v1.Event::getType).toList());
    long created = events.stream().filter(e -> e.getType().equals("volume_created")).findFirst().orElseThrow()
        .getOffset();
    long writerCreated = events.stream().filter(e -> e.getContainerName().equals(conman.name("writer")))
        .findFirst().orElseThrow().getOffset();
    assertTrue(created < writerCreated, "journaled before the container that made it");
  }

  @Test
  void createIsIdempotentAndNamesAreChecked() {
    Volume made = volumes().createVolume(CreateVolumeRequest.newBuilder().setName("data-1").build()).getVolume();
    assertEquals(made, volumes().createVolume(CreateVolumeRequest.newBuilder().setName("data-1").build())
        .getVolume());
    for (String bad : List.of("", "../x", "a/b", ".hidden", "x".repeat(129))) {
      Support.assertCode(Code.INVALID_ARGUMENT, () -> volumes().createVolume(CreateVolumeRequest.newBuilder()
          .setName(bad).build()));
      Support.assertCode(Code.INVALID_ARGUMENT, () -> conman.daemon().runtime().createContainer(Support.create(
          conman.name("bad"), conman.rootfs(), "/bin/true").toBuilder().addMounts(volume(bad, "/data")).build()));
    }
    Exec.Result cli = Exec.run(Duration.ofSeconds(60), "/bin/sh", "-c", conman.conmanctl() + " volume ls");
    assertEquals(0, cli.exitCode(), cli::toString);
    assertTrue(cli.stdout().contains("data-1"), cli.stdout());
    volumes().removeVolume(RemoveVolumeRequest.newBuilder().setName("data-1").build());
  }
}
