package dev.conman.daemon;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.conman.api.v1.RuntimeProto;
import dev.conman.grpc.ApiServer;
import dev.conman.journal.JournalSchema;
import java.util.concurrent.CountDownLatch;
import org.slf4j.LoggerFactory;

/**
 * Work of a daemon's start that needs nothing from its settings, begun on a thread of its own as
 * main begins, while the main thread reads the configuration and builds the actor system. In the
 * order it is needed:
 * <ol>
 *   <li>logback's initialization (its classes, then {@link DaemonLogging});
 *   <li>sqlite-jdbc's connection settings ({@link JournalSchema#warmUp}), for the journal opened next,
 *       and Jackson's classes, for runc's JSON and the CNI configs: together 40-50 ms off the main
 *       thread's path to the actor system (restart with 50 running, four alternating pairs: 746, 744,
 *       739, 746 -> 722, 721, 727, 740 ms);
 *   <li>netty's epoll transport with gRPC's server classes (about 40 ms);
 *   <li>the descriptors of the runtime API's messages, which the first call to it would build on
 *       netty's event loop (a first list after a start: 75-87 -> 60-71 ms).
 * </ol>
 * Each is what its first use would do anyway: the main thread then finds it done, or waits for it.
 *
 * <p>Nothing may log while logging is being initialized: SLF4J hands out stand-in loggers meanwhile,
 * and replays what they logged with a warning on stderr. So netty, which logs as its classes load,
 * comes after logging, and the main thread waits for logging ({@link #awaitLogging}) before its
 * first use of it.
 */
final class StartupWarmup {

  private final CountDownLatch logging = new CountDownLatch(1);

  private StartupWarmup() {}

  static StartupWarmup begin() {
    StartupWarmup warmup = new StartupWarmup();
    Thread t = new Thread(() -> {
      try {
        LoggerFactory.getILoggerFactory();
      } finally {
        warmup.logging.countDown();
      }
      JournalSchema.warmUp();
      new ObjectMapper(); // its classes; the mapper itself is dropped
      ApiServer.warmUp();
      RuntimeProto.getDescriptor();
    }, "conmand-warmup");
    t.setDaemon(true);
    t.start();
    return warmup;
  }

  /** Returns once logging is initialized. */
  void awaitLogging() {
    boolean interrupted = false;
    while (true) {
      try {
        logging.await();
        break;
      } catch (InterruptedException e) {
        interrupted = true;
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
  }
}
