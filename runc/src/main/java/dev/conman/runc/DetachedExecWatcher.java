package dev.conman.runc;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the daemon when the process of a detached exec session ends: conmon writes the exit file
 * into the session's own exit directory ({@link ContainerRuntime#detachedExecExitDir}), each one
 * watched on one inotify instance, so that no session is polled. Each end is reported once.
 */
public final class DetachedExecWatcher implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(DetachedExecWatcher.class);

  /** Hears how a session ended; runs on the watcher's thread (or the caller's of {@link #watch}). */
  public interface Listener {
    void ended(String containerId, String execId, int exitCode);
  }

  private record Session(String containerId, String execId) {}

  private final ContainerRuntime runtime;
  private final Listener listener;
  private final WatchService watchService;
  private final Map<WatchKey, Session> sessions = new ConcurrentHashMap<>();
  private final Thread thread;

  private DetachedExecWatcher(ContainerRuntime runtime, Listener listener, WatchService watchService) {
    this.runtime = runtime;
    this.listener = listener;
    this.watchService = watchService;
    this.thread = new Thread(this::run, "conman-exec-watcher");
    thread.setDaemon(true);
  }

  public static DetachedExecWatcher start(ContainerRuntime runtime, Listener listener) throws IOException {
    DetachedExecWatcher watcher = new DetachedExecWatcher(runtime, listener,
        java.nio.file.FileSystems.getDefault().newWatchService());
    watcher.thread.start();
    return watcher;
  }

  /**
   * Watches a session that runs (just started, or found running at a start). An exit written
   * before the watch began is reported at once, by this call.
   */
  public void watch(String containerId, String execId) throws IOException {
    WatchKey key = runtime.detachedExecExitDir(execId).register(watchService, StandardWatchEventKinds.ENTRY_CREATE,
        StandardWatchEventKinds.ENTRY_MODIFY);
    Session session = new Session(containerId, execId);
    sessions.put(key, session);
    check(key, session);
  }

  /** Reports the session's end if conmon has written it, once: the key is removed first. */
  private void check(WatchKey key, Session s) {
    runtime.detachedExecExit(s.containerId(), s.execId()).ifPresent(code -> {
      if (sessions.remove(key) != null) {
        key.cancel();
        try {
          listener.ended(s.containerId(), s.execId(), code);
        } catch (RuntimeException e) {
          log.error("the end of exec session {} in {} was not handled", s.execId(), s.containerId(), e);
        }
      }
    });
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watchService.take();
        key.pollEvents();
        Session session = sessions.get(key);
        if (session != null) {
          check(key, session);
        }
        if (sessions.containsKey(key) && !key.reset()) {
          // the directory went away with its session (a container deleted meanwhile): nothing more to hear
          sessions.remove(key);
        }
      }
    } catch (ClosedWatchServiceException e) {
      log.debug("exec watcher closed");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() throws IOException {
    ExitWatcher.stop(watchService, thread);
  }
}
