package dev.conman.grpc.images;

import dev.conman.actors.ImageJournal;
import dev.conman.api.v1.GetImageRequest;
import dev.conman.api.v1.GetImageResponse;
import dev.conman.api.v1.Image;
import dev.conman.api.v1.ImageServiceGrpc;
import dev.conman.api.v1.ListImagesRequest;
import dev.conman.api.v1.ListImagesResponse;
import dev.conman.api.v1.PullImageProgressResponse;
import dev.conman.api.v1.PullImageRequest;
import dev.conman.api.v1.PullImageResponse;
import dev.conman.api.v1.RemoveImageRequest;
import dev.conman.api.v1.RemoveImageResponse;
import dev.conman.grpc.ContainerAsks;
import dev.conman.grpc.HostEvents;
import dev.conman.grpc.ProtoConverter;
import dev.conman.grpc.Responses;
import dev.conman.grpc.StatusMapper;
import dev.conman.images.ImageStore;
import dev.conman.images.PullProgress;
import dev.conman.images.PullResult;
import io.grpc.Status;
import io.grpc.stub.StreamObserver;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.pekko.Done;

/**
 * conman.v1 ImageService over the image store. Store work blocks (network, disk) and runs on the
 * blocking executor; pulls and removals are journaled (ImageJournal) before they are answered.
 */
public final class ImageServiceImpl extends ImageServiceGrpc.ImageServiceImplBase {

  private final ImageStore store;
  private final HostEvents journal;
  private final ContainerAsks containers;
  private final Executor blocking;

  public ImageServiceImpl(ImageStore store, HostEvents journal, ContainerAsks containers, Executor blocking) {
    this.store = store;
    this.journal = journal;
    this.containers = containers;
    this.blocking = blocking;
  }

  /** Journals a pull; also used when a create pulls a missing image. */
  public CompletionStage<Done> journalPull(PullResult pulled) {
    return record(new ImageJournal.ImagePulled(pulled.reference().taggedName(), pulled.image().id(), pulled.digest(),
        Instant.now()));
  }

  @Override
  public void pullImage(PullImageRequest request, StreamObserver<PullImageResponse> out) {
    if (request.getReference().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("an image reference is required, e.g. localhost:5000/busybox")
          .asRuntimeException());
      return;
    }
    Responses.respond(out, blocking(() -> store.pull(request.getReference(), null)).thenCompose(pulled ->
        journalPull(pulled).thenApply(done -> PullImageResponse.newBuilder().setImage(toProto(pulled.image()))
            .setBlobsDownloaded(pulled.blobsDownloaded()).setBytesDownloaded(pulled.bytesDownloaded()).build())));
  }

  @Override
  public void pullImageProgress(PullImageRequest request, StreamObserver<PullImageProgressResponse> out) {
    if (request.getReference().isEmpty()) {
      out.onError(Status.INVALID_ARGUMENT.withDescription("an image reference is required, e.g. localhost:5000/busybox")
          .asRuntimeException());
      return;
    }
    // progress events are throttled by the store (about 10 a second per layer): few enough to send as they come
    PullProgress progress = e -> {
      synchronized (out) {
        out.onNext(PullImageProgressResponse.newBuilder().setProgress(dev.conman.api.v1.PullProgress.newBuilder()
            .setKind(e.kind().name().toLowerCase(java.util.Locale.ROOT)).setLayer(e.layer() == null ? "" : e.layer())
            .setCurrent(e.current()).setTotal(e.total())).build());
      }
    };
    blocking(() -> store.pull(request.getReference(), progress)).thenCompose(pulled -> journalPull(pulled)
        .thenApply(done -> PullImageResponse.newBuilder().setImage(toProto(pulled.image()))
            .setBlobsDownloaded(pulled.blobsDownloaded()).setBytesDownloaded(pulled.bytesDownloaded()).build()))
        .whenComplete((result, failure) -> {
          synchronized (out) {
            if (failure != null) {
              out.onError(StatusMapper.toStatus(failure));
            } else {
              out.onNext(PullImageProgressResponse.newBuilder().setDone(result).build());
              out.onCompleted();
            }
          }
        });
  }

  @Override
  public void listImages(ListImagesRequest request, StreamObserver<ListImagesResponse> out) {
    Responses.respond(out, blocking(() -> ListImagesResponse.newBuilder()
        .addAllImages(store.list().stream().map(ImageServiceImpl::toProto).toList()).build()));
  }

  @Override
  public void getImage(GetImageRequest request, StreamObserver<GetImageResponse> out) {
    Responses.respond(out, blocking(() -> GetImageResponse.newBuilder().setImage(toProto(store.require(request.getRef())))
        .build()));
  }

  @Override
  public void removeImage(RemoveImageRequest request, StreamObserver<RemoveImageResponse> out) {
    Responses.respond(out, imagesInUse().thenCompose(inUse -> blocking(() -> store.remove(request.getRef(), request.getForce(),
            inUse::contains)))
        .thenCompose(removed -> record(new ImageJournal.ImageRemoved(request.getRef(), removed.imageId(),
                removed.untagged(), removed.deleted(), Instant.now()))
            .thenApply(done -> RemoveImageResponse.newBuilder().setId(removed.imageId())
                .addAllUntagged(removed.untagged()).setDeleted(removed.deleted()).build())));
  }

  /** Ids of the images live containers were created from. */
  private CompletionStage<Set<String>> imagesInUse() {
    return containers.all().thenApply(views -> views.stream().map(v -> v.spec().imageId()).filter(Objects::nonNull)
        .collect(Collectors.toSet()));
  }

  private CompletionStage<Done> record(ImageJournal.Event event) {
    return journal.record(event);
  }

  private <T> CompletableFuture<T> blocking(Supplier<T> work) {
    return CompletableFuture.supplyAsync(work, blocking);
  }

  static Image toProto(dev.conman.images.Image i) {
    Image.Builder b = Image.newBuilder().setId(i.id()).addAllRepoTags(i.repoTags()).addAllRepoDigests(i.repoDigests())
        .setSize(i.size()).setLayers(i.layers().size());
    if (i.created() != null) {
      b.setCreated(ProtoConverter.toProto(i.created()));
    }
    if (i.pulledAt() != null) {
      b.setPulledAt(ProtoConverter.toProto(i.pulledAt()));
    }
    var c = i.config();
    b.addAllEnv(c.env()).addAllEntrypoint(c.entrypoint()).addAllCmd(c.cmd()).putAllLabels(c.labels());
    if (c.workingDir() != null) {
      b.setWorkdir(c.workingDir());
    }
    if (c.user() != null) {
      b.setUser(c.user());
    }
    return b.build();
  }

}
