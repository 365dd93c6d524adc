package dev.conman.grpc.system;

import dev.conman.actors.ContainerView;
import dev.conman.api.v1.GetInfoRequest;
import dev.conman.api.v1.GetInfoResponse;
import dev.conman.api.v1.SystemServiceGrpc;
import dev.conman.grpc.ContainerAsks;
import dev.conman.grpc.ProtoConverter;
import dev.conman.grpc.Responses;
import dev.conman.images.ImageStore;
import dev.conman.journal.JournalReader;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;

/**
 * The conman.v1 SystemService: the daemon's {@link DaemonFacts}, the versions of runc and conmon
 * (asked once, at the first call), and counts of what it holds, read at each call.
 */
public final class SystemServiceImpl extends SystemServiceGrpc.SystemServiceImplBase {

  private final DaemonFacts facts;
  private final ContainerAsks containers;
  private final ImageStore images;
  private final JournalReader journal;
  private final Executor blocking;
  private volatile CompletableFuture<Versions> versions;

  /** The first lines of {@code runc --version} and {@code conmon --version}. */
  private record Versions(String runtime, String conmon) {}

  /** What the actors and the tools answered, for the rest to be read beside it. */
  private record Gathered(List<ContainerView> views, Versions versions) {}

  public SystemServiceImpl(DaemonFacts facts, ContainerAsks containers, ImageStore images, JournalReader journal,
      Executor blocking) {
    this.facts = facts;
    this.containers = containers;
    this.images = images;
    this.journal = journal;
    this.blocking = blocking;
  }

  @Override
  public void getInfo(GetInfoRequest request, StreamObserver<GetInfoResponse> out) {
    Responses.respond(out, () -> containers.all().thenCombine(versions(), Gathered::new)
        .thenApplyAsync(this::info, blocking), r -> r);
  }

  /** runc's and conmon's, from the first call on. */
  private CompletableFuture<Versions> versions() {
    CompletableFuture<Versions> v = versions;
    if (v == null) {
      synchronized (this) {
        if (versions == null) {
          versions = CompletableFuture.supplyAsync(
              () -> new Versions(ToolVersion.of(facts.runtime()), ToolVersion.of(facts.conmon())), blocking);
        }
        v = versions;
      }
    }
    return v;
  }

  /** Blocking: the image store's index and the journal are read. */
  private GetInfoResponse info(Gathered g) {
    Map<String, Integer> byState = new TreeMap<>();
    for (ContainerView view : g.views()) {
      byState.merge(ProtoConverter.toProto(view.phase()).name(), 1, Integer::sum);
    }
    long offset;
    try {
      offset = journal.lastOffset();
    } catch (SQLException e) {
      throw new IllegalStateException("cannot read the end of the journal: " + e.getMessage(), e);
    }
    return GetInfoResponse.newBuilder()
        .setVersion(facts.version())
        .setApiVersion(GetInfoResponse.getDescriptor().getFile().getPackage())
        .setPid(facts.pid())
        .setStartedAt(ProtoConverter.toProto(facts.startedAt()))
        .setRuntime(facts.runtime().toString()).setRuntimeVersion(g.versions().runtime())
        .setConmon(facts.conmon().toString()).setConmonVersion(g.versions().conmon())
        .setRoot(facts.root().toString()).setState(facts.state().toString()).setSocket(facts.socket().toString())
        .setDefaultNetwork(facts.defaultNetwork())
        .setContainers(g.views().size())
        .putAllContainersByState(byState)
        .setImages(images.list().size())
        .setJournalOffset(offset)
        .setJournalBytes(databaseBytes(facts.database()))
        .build();
  }

  /** The database file with its write-ahead log and shared-memory index, as they take disk space. */
  static long databaseBytes(Path database) {
    long bytes = 0;
    for (String suffix : List.of("", "-wal", "-shm")) {
      Path f = database.resolveSibling(database.getFileName() + suffix);
      try {
        bytes += Files.exists(f) ? Files.size(f) : 0;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return bytes;
  }
}
