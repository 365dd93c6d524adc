package dev.conman.grpc;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionService;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The gRPC server on a Unix socket. File permissions are the access control (as for containerd and
 * cri-o): the socket is created with mode 0660, owned by root, so only root and the socket's group
 * can talk to the daemon. Health and server reflection are served so that generic clients work
 * without the .proto files.
 */
public final class ApiServer implements AutoCloseable {

  private final Server server;
  private final EventLoopGroup boss;
  private final EventLoopGroup workers;
  private final HealthStatusManager health;
  private final Path socket;

  private ApiServer(Path socket, Server server, HealthStatusManager health, EventLoopGroup boss,
      EventLoopGroup workers) {
    this.socket = socket;
    this.health = health;
    this.server = server;
    this.boss = boss;
    this.workers = workers;
  }

  /**
   * Binds {@code socket} (a stale socket file left by a dead daemon is replaced; anything else at
   * that path is an error) and starts serving.
   */
  public static ApiServer start(Path socket, String group, List<BindableService> services, int maxMessageBytes)
      throws IOException {
    Path dir = socket.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    if (Files.getPosixFilePermissions(dir).contains(java.nio.file.attribute.PosixFilePermission.OTHERS_WRITE)) {
      throw new IOException("the socket's directory " + dir + " is world-writable: anyone could replace the socket;"
          + " use a directory only root can write (e.g. --socket /run/conman/conman.sock)");
    }
    if (Files.isSymbolicLink(socket)) {
      throw new IOException(socket + " is a symbolic link; refusing to serve through it");
    }
    if (Files.exists(socket, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      if (!"socket".equals(fileType(socket))) {
        throw new IOException(socket + " exists and is not a socket; remove it or choose another --socket");
      }
      // the root lock says no other conmand uses this root, but another root's daemon may use this socket
      if (answers(socket)) {
        throw new IOException("another daemon is serving on " + socket + "; stop it or choose another --socket");
      }
      Files.delete(socket);
    }
    EventLoopGroup boss = new EpollEventLoopGroup(1);
    EventLoopGroup workers = new EpollEventLoopGroup(2);
    HealthStatusManager health = new HealthStatusManager();
    NettyServerBuilder builder = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
        .channelType(EpollServerDomainSocketChannel.class)
        .bossEventLoopGroup(boss)
        .workerEventLoopGroup(workers)
        .maxInboundMessageSize(maxMessageBytes)
        .callExecutor(InlineCalls.of(services))
        .addService(health.getHealthService())
        .addService(ProtoReflectionServiceV1.newInstance())
        .addService(ProtoReflectionService.newInstance());
    services.forEach(builder::addService);
    Server server = builder.build().start();
    Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-rw----"));
    if (!group.isEmpty()) {
      var lookup = socket.getFileSystem().getUserPrincipalLookupService();
      Files.getFileAttributeView(socket, java.nio.file.attribute.PosixFileAttributeView.class)
          .setGroup(lookup.lookupPrincipalByGroupName(group));
    }
    return new ApiServer(socket, server, health, boss, workers);
  }

  /**
   * Loads and initializes what {@link #start} needs first (netty's epoll transport with its native
   * library, the server's classes), so that a daemon can have it done early, on a thread of its
   * own, while its main thread does other work.
   */
  public static void warmUp() {
    try {
      io.grpc.netty.shaded.io.netty.channel.epoll.Epoll.isAvailable();
      ClassLoader loader = ApiServer.class.getClassLoader();
      for (Class<?> c : List.of(NettyServerBuilder.class, EpollEventLoopGroup.class,
          EpollServerDomainSocketChannel.class, HealthStatusManager.class)) {
        Class.forName(c.getName(), true, loader);
      }
    } catch (ClassNotFoundException | LinkageError e) {
      // start will meet the same problem, and report it
    }
  }

  /** Whether something accepts connections on the socket (a live daemon, not a stale file). */
  private static boolean answers(Path socket) {
    try (java.nio.channels.SocketChannel ch = java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return ch.connect(java.net.UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return false;
    }
  }

  private static String fileType(Path p) throws IOException {
    int mode = (Integer) Files.getAttribute(p, "unix:mode", java.nio.file.LinkOption.NOFOLLOW_LINKS);
    return (mode & 0170000) == 0140000 ? "socket" : "other";
  }

  public Path socket() {
    return socket;
  }

  @Override
  public void close() throws InterruptedException {
    health.enterTerminalState();
    server.shutdown();
    if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
      server.shutdownNow();
    }
    boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    try {
      Files.deleteIfExists(socket);
    } catch (IOException ignored) {
      // the next start replaces a stale socket anyway
    }
  }
}
