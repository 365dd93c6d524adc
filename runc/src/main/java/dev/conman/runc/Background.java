package dev.conman.runc;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Threads for the blocking helpers of a call: pumping a child's output, waiting on a FIFO.
 * Daemon threads, so that a helper stuck on a pipe some grandchild keeps open never holds the
 * JVM; cached, so that concurrent calls for many containers never queue behind each other.
 */
final class Background {

  private static final AtomicInteger COUNT = new AtomicInteger();

  static final ExecutorService POOL = Executors.newCachedThreadPool(task -> {
    Thread t = new Thread(task, "conman-runc-io-" + COUNT.incrementAndGet());
    t.setDaemon(true);
    return t;
  });

  private Background() {}
}
