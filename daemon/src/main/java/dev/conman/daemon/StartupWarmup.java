package dev.conman.daemon;

import dev.conman.grpc.ApiServer;
import org.slf4j.LoggerFactory;

/**
 * Work of a daemon's start that needs nothing from its settings, begun on threads of their own as
 * main begins, while the main thread reads the configuration and builds the actor system:
 * logback's configuration (about 80 ms on the main thread here) and netty's epoll transport with
 * gRPC's server classes (about 40 ms). Each is what its first use would do anyway (class and
 * logging initialization are thread safe): the main thread then finds it done, or waits for it.
 */
final class StartupWarmup {

  private StartupWarmup() {}

  static void begin() {
    start("conmand-warm-logging", LoggerFactory::getILoggerFactory);
    start("conmand-warm-grpc", ApiServer::warmUp);
  }

  private static void start(String name, Runnable work) {
    Thread t = new Thread(work, name);
    t.setDaemon(true);
    t.start();
  }
}
