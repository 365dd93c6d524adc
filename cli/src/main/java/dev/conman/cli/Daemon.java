package dev.conman.cli;

import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.EventServiceGrpc.EventServiceBlockingStub;
import dev.conman.api.v1.IoServiceGrpc;
import dev.conman.api.v1.IoServiceGrpc.IoServiceBlockingStub;
import dev.conman.api.v1.IoServiceGrpc.IoServiceStub;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.conman.api.v1.ImageServiceGrpc;
import dev.conman.api.v1.SystemServiceGrpc;
import dev.conman.api.v1.VolumeServiceGrpc;
import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * The connection to conmand: one gRPC channel on its Unix socket, and stubs whose deadline is the
 * global {@code --timeout}. A missing socket is reported at once instead of after the deadline.
 */
final class Daemon implements AutoCloseable {
  private final ManagedChannel channel;
  private final EventLoopGroup eventLoop;
  private final RuntimeServiceBlockingStub runtime;
  private final EventServiceBlockingStub events;
  private final IoServiceBlockingStub io;
  private final IoServiceStub ioAsync;
  private final ImageServiceGrpc.ImageServiceBlockingStub images;
  private final SystemServiceGrpc.SystemServiceBlockingStub system;
  private final VolumeServiceGrpc.VolumeServiceBlockingStub volumes;
  private final Duration timeout;

  private Daemon(ManagedChannel channel, EventLoopGroup eventLoop, Duration timeout) {
    this.channel = channel;
    this.eventLoop = eventLoop;
    this.runtime = RuntimeServiceGrpc.newBlockingStub(channel);
    this.events = EventServiceGrpc.newBlockingStub(channel);
    this.io = IoServiceGrpc.newBlockingStub(channel);
    this.ioAsync = IoServiceGrpc.newStub(channel);
    this.images = ImageServiceGrpc.newBlockingStub(channel);
    this.system = SystemServiceGrpc.newBlockingStub(channel);
    this.volumes = VolumeServiceGrpc.newBlockingStub(channel);
    this.timeout = timeout;
  }

  static Daemon connect(Path socket, Duration timeout) {
    Path path = socket.toAbsolutePath().normalize();
    if (!Files.exists(path)) {
      throw new CliException(ExitCodes.ERROR,
          "cannot connect to conmand at " + path + ": no such socket (is conmand running?)");
    }
    if (!Files.isWritable(path)) {
      throw new CliException(ExitCodes.ERROR, "cannot connect to conmand at " + path
          + ": permission denied (run as root or as a member of the socket's group)");
    }
    // The channel's own event loop (not grpc's shared one, released a second after use), so that
    // close() can end its thread: a thread still inside epoll_wait at exit makes the JVM wait
    // 300 ms for it (VM_Exit waits for threads in native code), longer than the whole call.
    EventLoopGroup eventLoop = new EpollEventLoopGroup(1);
    ManagedChannel channel = NettyChannelBuilder.forAddress(new DomainSocketAddress(path.toString()))
        .eventLoopGroup(eventLoop)
        .channelType(EpollDomainSocketChannel.class)
        .usePlaintext()
        .build();
    return new Daemon(channel, eventLoop, timeout);
  }


  /** The runtime service, with the global --timeout as deadline. */
  RuntimeServiceBlockingStub runtime() {
    return runtime(Duration.ZERO);
  }

  /** The runtime service, for a call that may legitimately take {@code extra} longer (stop). */
  RuntimeServiceBlockingStub runtime(Duration extra) {
    return runtime.withDeadlineAfter(timeout.plus(extra).toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The runtime service without a deadline: waiting for a container to exit may take forever. */
  RuntimeServiceBlockingStub runtimeWithoutDeadline() {
    return runtime;
  }

  /** The event journal, with the global --timeout as deadline. */
  EventServiceBlockingStub events() {
    return events.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** The event journal without a deadline: following events lasts until Ctrl-C. */
  EventServiceBlockingStub eventsWithoutDeadline() {
    return events;
  }

  /** Container I/O, with the global --timeout as deadline: logs without --follow. */
  IoServiceBlockingStub io() {
    return io.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Container I/O without a deadline: following a log lasts until the container exits. */
  IoServiceBlockingStub ioWithoutDeadline() {
    return io;
  }

  /**
   * Container I/O with callbacks, without a deadline: the bidirectional Exec, which lasts as long
   * as the process (the daemon enforces exec's own --timeout).
   */
  IoServiceStub ioAsync() {
    return ioAsync;
  }

  /** Images, with the global --timeout as deadline. */
  ImageServiceGrpc.ImageServiceBlockingStub images() {
    return images.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Images without a deadline: a pull lasts as long as the download (the daemon bounds stalls). */
  ImageServiceGrpc.ImageServiceBlockingStub imagesWithoutDeadline() {
    return images;
  }

  /** The daemon itself (info), with the global --timeout as deadline. */
  SystemServiceGrpc.SystemServiceBlockingStub system() {
    return system.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Named volumes, with the global --timeout as deadline. */
  VolumeServiceGrpc.VolumeServiceBlockingStub volumes() {
    return volumes.withDeadlineAfter(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  @Override
  public void close() {
    channel.shutdownNow();
    try {
      channel.awaitTermination(1, TimeUnit.SECONDS);
      eventLoop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(1, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
