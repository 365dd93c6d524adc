package dev.conman.daemon;

import com.typesafe.config.Config;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.ExecSyncRequest;
import dev.conman.api.v1.GetInfoRequest;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.LogsRequest;
import dev.conman.api.v1.SubscribeRequest;
import dev.conman.api.v1.SystemServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import dev.conman.runc.RuncRuntime;
import dev.conman.runc.RuntimeFailure;
import dev.conman.runc.RuntimePaths;
import dev.conman.runc.RuntimeState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The launcher's training run for its class-data archive ({@code -XX:ArchiveClassesAtExit}, see
 * bin/conmand). An archive made by a daemon that started on an empty journal and stopped held none
 * of the classes that a gRPC call, an event replay or a reconciliation loads (netty's HTTP/2
 * server, Jackson's deserializers, the lambdas of the recovery): about 900 classes and 550 lambdas,
 * read from the jar and verified again at every start. Restart with 50 running: 1,082 -> 882 ms.
 *
 * <p>So this JVM runs two daemons, one after the other, on the scratch directories it is given:
 * the first creates and starts a container; the second replays the journal and reconciles that
 * container with runc, lists, stops and deletes it, and runs a one-shot container. Both run without
 * the host's bridge. The root filesystem is a static busybox copied from the host; without one
 * there is nothing to run, and only the calls that need no container are made.
 */
final class CdsTraining {

  private static final String RUNNING = "cds-training-running";
  private static final String ONE_SHOT = "cds-training-oneshot";
  private static final List<Path> BUSYBOX = List.of(Path.of("/bin/busybox"), Path.of("/usr/bin/busybox"));

  private CdsTraining() {}

  static void run(DaemonSettings s, Config config) throws Exception {
    Optional<Path> busybox = BUSYBOX.stream().filter(CdsTraining::isStaticExecutable).findFirst();
    Path rootfs = Files.createTempDirectory("conmand-training-rootfs");
    try {
      if (busybox.isPresent()) {
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(busybox.get(), rootfs.resolve("bin/busybox"));
      }
      try (Daemon first = Daemon.start(s, config, false); Client c = new Client(s.socket())) {
        c.list();
        if (busybox.isPresent()) {
          c.start(c.create(RUNNING, rootfs, "sleep", "300"));
        }
      }
      try (Daemon second = Daemon.start(s, config, false); Client c = new Client(s.socket())) {
        c.list();
        c.notFound();
        c.info();
        if (busybox.isPresent()) {
          // what an admin asks after a restart: status, a command inside, logs, events
          c.get(RUNNING);
          c.execSync(RUNNING);
          c.stopAndDelete(RUNNING);
          c.start(c.create(ONE_SHOT, rootfs, "true"));
          c.await(ONE_SHOT);
          c.history(ONE_SHOT);
          c.logs(ONE_SHOT);
          c.events();
          c.stopAndDelete(ONE_SHOT);
        }
      }
    } finally {
      removeLeftovers(s);
      deleteTree(rootfs);
    }
  }

  /** After a failed run: a daemon's stop leaves its containers running, and this scratch root is about to go. */
  private static void removeLeftovers(DaemonSettings s) {
    try {
      RuncRuntime runtime = new RuncRuntime(s.runtime(), s.conmon(), RuntimePaths.under(s.state()),
          s.runtimeTimeout());
      for (RuntimeState left : runtime.list()) {
        runtime.delete(left.id(), true);
      }
    } catch (RuntimeFailure | IOException | RuntimeException e) {
      System.err.println("conmand: cannot remove the training run's containers: " + e.getMessage());
    }
  }

  /** A regular executable ELF file without an interpreter: it runs in an otherwise empty root. */
  static boolean isStaticExecutable(Path file) {
    if (!Files.isRegularFile(file) || !Files.isExecutable(file)) {
      return false;
    }
    try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "r")) {
      ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
      f.getChannel().read(header, 0);
      // 64-bit little-endian ELF only: the only kind a Java 17 on x86-64 or aarch64 Linux meets
      if (header.getInt(0) != 0x464c457f || header.get(4) != 2 || header.get(5) != 1) {
        return false;
      }
      long programHeaders = header.getLong(32);
      int entrySize = Short.toUnsignedInt(header.getShort(54));
      int entries = Short.toUnsignedInt(header.getShort(56));
      ByteBuffer entry = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN);
      for (int i = 0; i < entries; i++) {
        entry.clear();
        f.getChannel().read(entry, programHeaders + (long) i * entrySize);
        if (entry.getInt(0) == 3) { // PT_INTERP: needs a dynamic loader the empty root lacks
          return false;
        }
      }
      return entries > 0;
    } catch (IOException e) {
      return false;
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> all = Files.walk(dir)) {
      for (Path p : all.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  /** The calls of a client, as conmanctl and the bench make them. */
  private static final class Client implements AutoCloseable {
    private final ManagedChannel channel;
    private final RuntimeServiceGrpc.RuntimeServiceBlockingStub rt;

    Client(Path socket) {
      channel = Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create())
          .build();
      rt = RuntimeServiceGrpc.newBlockingStub(channel);
    }

    private RuntimeServiceGrpc.RuntimeServiceBlockingStub rt() {
      return rt.withDeadlineAfter(60, TimeUnit.SECONDS);
    }

    void list() {
      rt().listContainers(ListContainersRequest.getDefaultInstance());
    }

    /** A refused call: its status and message travel the error path. */
    void notFound() {
      try {
        get("cds-training-nonexistent");
      } catch (StatusRuntimeException expected) {
        // NOT_FOUND
      }
    }

    void get(String ref) {
      rt().getContainer(GetContainerRequest.newBuilder().setRef(ref).build());
    }

    String create(String name, Path rootfs, String... command) {
      return rt().createContainer(CreateContainerRequest.newBuilder().setName(name).setImage(rootfs.toString())
          .addCommand("/bin/busybox").addAllCommand(List.of(command)).setReadOnly(true).setNetwork("none")
          .build()).getContainer().getId();
    }

    void start(String ref) {
      rt().startContainer(StartContainerRequest.newBuilder().setRef(ref).build());
    }

    void await(String ref) {
      rt().waitContainer(WaitContainerRequest.newBuilder().setRef(ref).build());
    }

    void history(String ref) {
      EventServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
          .history(HistoryRequest.newBuilder().setRef(ref).build());
    }

    void info() {
      SystemServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
          .getInfo(GetInfoRequest.getDefaultInstance());
    }

    void execSync(String ref) {
      IoServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS).execSync(
          ExecSyncRequest.newBuilder().setSpec(ExecSpec.newBuilder().setRef(ref).addCommand("/bin/busybox")
              .addCommand("true")).build());
    }

    void logs(String ref) {
      IoServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
          .logs(LogsRequest.newBuilder().setRef(ref).build()).forEachRemaining(entry -> { });
    }

    /** The journal from its start, without following: the stream ends at its current end. */
    void events() {
      EventServiceGrpc.newBlockingStub(channel).withDeadlineAfter(60, TimeUnit.SECONDS)
          .subscribe(SubscribeRequest.newBuilder().setSinceOffset(0).build()).forEachRemaining(event -> { });
    }

    void stopAndDelete(String ref) {
      rt().stopContainer(StopContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(0).build());
      rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(ref).setForce(true).build());
    }

    @Override
    public void close() throws InterruptedException {
      channel.shutdownNow();
      channel.awaitTermination(5, TimeUnit.SECONDS);
    }
  }
}
