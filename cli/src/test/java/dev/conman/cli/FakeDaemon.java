package dev.conman.cli;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.MultiThreadIoEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollIoHandler;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * conmand's stand-in for end-to-end tests: {@link FakeRuntime}, {@link FakeEvents} and
 * {@link FakeIo} served on a real Unix socket, as conmanctl reaches the real daemon.
 */
final class FakeDaemon implements AutoCloseable {
  final FakeRuntime runtime = new FakeRuntime();
  final FakeEvents events = new FakeEvents(runtime);
  final FakeIo io = new FakeIo(runtime);
  private EventLoopGroup loop;
  private Server server;

  void start(Path socket) throws IOException {
    loop = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(loop)
        .workerEventLoopGroup(loop)
        .addService(runtime)
        .addService(events)
        .addService(io)
        .build()
        .start();
  }

  @Override
  public void close() throws InterruptedException {
    server.shutdownNow().awaitTermination(5, TimeUnit.SECONDS);
    loop.shutdownGracefully(0, 1, TimeUnit.SECONDS).await(5, TimeUnit.SECONDS);
  }
}
