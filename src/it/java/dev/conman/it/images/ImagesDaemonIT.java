package dev.conman.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.Filter;
import dev.conman.api.v1.ImageServiceGrpc;
import dev.conman.api.v1.ListImagesRequest;
import dev.conman.api.v1.PullImageRequest;
import dev.conman.api.v1.PullImageResponse;
import dev.conman.api.v1.RemoveImageRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.SubscribeRequest;
import dev.conman.api.v1.WaitContainerRequest;
import dev.conman.it.ConmanDaemon;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Images through the daemon's API: pull from a real registry on loopback, run a container from the
 * image (overlay rootfs, the image's defaults), the in-use check, image events in the journal.
 */
class ImagesDaemonIT {

  private static Path tmp;
  private static TestRegistry registry;
  private static ConmanDaemon daemon;

  @BeforeAll
  static void start() throws Exception {
    tmp = Files.createTempDirectory("cimg");
    registry = TestRegistry.start(tmp.resolve("registry"), null);
    daemon = ConmanDaemon.start();
  }

  @AfterAll
  static void stop() throws Exception {
    if (daemon != null) {
      daemon.close();
    }
    if (registry != null) {
      registry.close();
    }
    new ProcessBuilder("rm", "-rf", "--one-file-system", tmp.toString()).start().waitFor(30, TimeUnit.SECONDS);
  }

  private static ImageServiceGrpc.ImageServiceBlockingStub images() {
    return ImageServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(60, TimeUnit.SECONDS);
  }

  @Test
  void pullRunRemove() {
    String ref = registry.address + "/busybox:latest";
    PullImageResponse first = images().pullImage(PullImageRequest.newBuilder().setReference(ref).build());
    assertTrue(first.getBlobsDownloaded() > 0);
    assertEquals(0, images().pullImage(PullImageRequest.newBuilder().setReference(ref).build()).getBlobsDownloaded(),
        "a second pull downloads nothing");
    assertEquals(List.of(ref), images().listImages(ListImagesRequest.getDefaultInstance()).getImages(0)
        .getRepoTagsList());

    // the image's Cmd (/bin/sh) is replaced; its Env (PATH=/bin) is kept; the upper layer's whiteout hides motd-old
    String id = daemon.runtime().createContainer(CreateContainerRequest.newBuilder().setName("fromimage").setImage(ref)
        .addCommand("sh").addCommand("-c").addCommand("test ! -e /etc/motd-old && test \"$PATH\" = /bin && exit 9")
        .build()).getContainer().getId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    assertEquals(9, daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build()).getContainer()
        .getExitCode());

    StatusRuntimeException inUse = assertThrows(StatusRuntimeException.class,
        () -> images().removeImage(RemoveImageRequest.newBuilder().setRef(ref).build()));
    assertEquals(Status.Code.FAILED_PRECONDITION, inUse.getStatus().getCode());
    Path rootfs = daemon.root().resolve("containers").resolve(id).resolve("rootfs");
    assertTrue(Files.exists(rootfs.resolve("bin/busybox")), "the overlay is mounted while the container exists");
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
    assertFalse(Files.exists(rootfs), "the rootfs is unmounted and removed with the container");
    assertTrue(images().removeImage(RemoveImageRequest.newBuilder().setRef(ref).build()).getDeleted());

    List<Event> events = new ArrayList<>();
    EventServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .subscribe(SubscribeRequest.newBuilder().setSinceOffset(0)
            .addFilters(Filter.newBuilder().setKey("type").setValue("image_pulled"))
            .addFilters(Filter.newBuilder().setKey("type").setValue("image_removed")).build())
        .forEachRemaining(events::add);
    assertEquals(List.of("image_pulled", "image_pulled", "image_removed"), events.stream()
        .filter(e -> e.getImageRef().equals(ref)).map(Event::getType).toList());
  }

  @Test
  void aContainerStartedAgainKeepsTheChangesToItsRootFilesystem() {
    // not :latest, whose events pullRunRemove counts
    String ref = registry.address + "/busybox:multi";
    images().pullImage(PullImageRequest.newBuilder().setReference(ref).build());
    // the first run writes a file and exits 1; the second finds it and exits 7
    String id = daemon.runtime().createContainer(CreateContainerRequest.newBuilder().setName("keeps").setImage(ref)
        .addCommand("sh").addCommand("-c").addCommand("test -e /kept && exit 7; echo x > /kept; exit 1")
        .build()).getContainer().getId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    assertEquals(1, daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build()).getContainer()
        .getExitCode());
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    assertEquals(7, daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build()).getContainer()
        .getExitCode());
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
    // pullRunRemove expects its first pull to download the layers
    images().removeImage(RemoveImageRequest.newBuilder().setRef(ref).build());
  }

  @Test
  void imagePruneRemovesTheImagesNoContainerUses() {
    String ref = registry.address + "/busybox:multi";
    images().pullImage(PullImageRequest.newBuilder().setReference(ref).build());
    String id = daemon.runtime().createContainer(CreateContainerRequest.newBuilder().setName("pinned").setImage(ref)
        .addCommand("true").build()).getContainer().getId();
    String cli = dev.conman.it.ConmanDaemon.repoRoot().resolve("bin/conmanctl") + " --socket " + daemon.socket();
    dev.conman.it.Exec.Result kept = dev.conman.it.Exec.run(java.time.Duration.ofSeconds(60), "/bin/sh", "-c",
        cli + " image prune --all --force");
    assertEquals(0, kept.exitCode(), kept::toString);
    assertEquals("", kept.stdout(), "the container's image is kept");
    assertTrue(tagged(ref), "still there");
    dev.conman.it.Exec.Result unasked = dev.conman.it.Exec.run(java.time.Duration.ofSeconds(60), "/bin/sh", "-c",
        cli + " image prune --all < /dev/null");
    assertEquals(2, unasked.exitCode(), "without a terminal nobody confirms: " + unasked);

    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
    dev.conman.it.Exec.Result pruned = dev.conman.it.Exec.run(java.time.Duration.ofSeconds(60), "/bin/sh", "-c",
        cli + " image prune --all --force");
    assertEquals(0, pruned.exitCode(), pruned::toString);
    assertTrue(pruned.stdout().contains("deleted sha256:"), pruned.stdout());
    assertFalse(tagged(ref), "removed once no container uses it");
  }

  private static boolean tagged(String ref) {
    return images().listImages(ListImagesRequest.getDefaultInstance()).getImagesList().stream()
        .anyMatch(i -> i.getRepoTagsList().contains(ref));
  }

  @Test
  void pullStreamsLayerProgressThenTheResult() {
    String ref = registry.address + "/busybox:multi";
    List<String> kinds = new ArrayList<>();
    PullImageResponse[] done = new PullImageResponse[1];
    images().pullImageProgress(PullImageRequest.newBuilder().setReference(ref).build()).forEachRemaining(u -> {
      if (u.hasDone()) {
        done[0] = u.getDone();
      } else {
        kinds.add(u.getProgress().getKind());
      }
    });
    assertTrue(kinds.contains("resolved"), kinds.toString());
    assertTrue(kinds.contains("downloaded") || kinds.contains("layer_exists"), kinds.toString());
    assertEquals(List.of(ref), done[0].getImage().getRepoTagsList().stream().filter(ref::equals).toList());
    images().removeImage(RemoveImageRequest.newBuilder().setRef(ref).build());
  }

  @Test
  void badReferencesAndMissingImages() {
    StatusRuntimeException bad = assertThrows(StatusRuntimeException.class,
        () -> images().pullImage(PullImageRequest.newBuilder().setReference("UPPER/Case::x").build()));
    assertEquals(Status.Code.INVALID_ARGUMENT, bad.getStatus().getCode());
    StatusRuntimeException missing = assertThrows(StatusRuntimeException.class,
        () -> images().pullImage(PullImageRequest.newBuilder().setReference(registry.address + "/nothing:here").build()));
    assertEquals(Status.Code.NOT_FOUND, missing.getStatus().getCode());
    StatusRuntimeException create = assertThrows(StatusRuntimeException.class,
        () -> daemon.runtime().createContainer(CreateContainerRequest.newBuilder().setName("noimage")
            .setImage(registry.address + "/busybox:nope").build()));
    assertEquals(Status.Code.NOT_FOUND, create.getStatus().getCode());
  }
}
