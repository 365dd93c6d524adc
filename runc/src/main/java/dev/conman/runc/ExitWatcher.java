package dev.conman.runc;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the daemon that a container ended, by watching conmon's exit directory, so that exits
 * are noticed without polling runc.
 *
 * <p>The listener gets the container id of every exit file created or modified, possibly more
 * than once per file: it should read the file ({@link ContainerRuntime#exitRecord}) and act
 * idempotently. It runs on the watcher's own thread and must not block for long. When the
 * kernel's queue overflows, every existing exit file is reported again, so no exit is lost.
 *
 * <p>At start-up, start the watcher first and then {@link #existingIds()}: an exit that lands
 * in between is reported by both, rather than by neither.
 */
public final class ExitWatcher implements Closeable {

  private static final Logger log = LoggerFactory.getLogger(ExitWatcher.class);

  private final Path dir;
  private final Consumer<String> listener;
  private final WatchService watchService;
  private final Thread thread;

  private ExitWatcher(Path dir, Consumer<String> listener) throws IOException {
    this.dir = dir;
    this.listener = listener;
    this.watchService = dir.getFileSystem().newWatchService();
    dir.register(watchService, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY);
    this.thread = new Thread(this::run, "conman-exit-watcher");
    thread.setDaemon(true);
  }

  /** Registers the watch before returning: files created afterwards are all reported. */
  public static ExitWatcher start(Path exitDir, Consumer<String> listener) throws IOException {
    ExitWatcher watcher = new ExitWatcher(exitDir, listener);
    watcher.thread.start();
    return watcher;
  }

  /** Ids of the exit files present now (e.g. of containers that ended while the daemon was down). */
  public List<String> existingIds() throws IOException {
    return existingIds(dir);
  }

  public static List<String> existingIds(Path exitDir) throws IOException {
    List<String> ids = new ArrayList<>();
    try (DirectoryStream<Path> files = Files.newDirectoryStream(exitDir)) {
      for (Path file : files) {
        String name = file.getFileName().toString();
        if (isExitFile(name) && Files.isRegularFile(file)) {
          ids.add(name);
        }
      }
    }
    ids.sort(null);
    return ids;
  }

  /**
   * conmon writes through a temporary "ID.XXXXXX" renamed into place; container ids have no
   * dot, so a dotted name is never an exit file.
   */
  static boolean isExitFile(String name) {
    return !name.isEmpty() && name.indexOf('.') < 0;
  }

  private void run() {
    try {
      while (true) {
        WatchKey key = watchService.take();
        for (WatchEvent<?> event : key.pollEvents()) {
          if (event.kind() == StandardWatchEventKinds.OVERFLOW) {
            log.warn("exit directory {} had more events than the kernel queued; rescanning", dir);
            rescan();
          } else {
            String name = ((Path) event.context()).getFileName().toString();
            if (isExitFile(name)) {
              notify(name);
            }
          }
        }
        if (!key.reset()) {
          log.error("exit directory {} is no longer watchable (removed?); exits go unnoticed", dir);
          return;
        }
      }
    } catch (ClosedWatchServiceException e) {
      log.debug("exit watcher for {} closed", dir);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void rescan() {
    try {
      existingIds().forEach(this::notify);
    } catch (IOException e) {
      log.error("cannot rescan exit directory {}: {}", dir, e.toString());
    }
  }

  /** A failing listener must not end the watch: the next exit still needs reporting. */
  private void notify(String id) {
    try {
      listener.accept(id);
    } catch (RuntimeException e) {
      log.error("exit listener failed for {}", id, e);
    }
  }

  @Override
  public void close() throws IOException {
    stop(watchService, thread);
  }

  /** Closes a watch service and waits a moment for the thread that takes its keys to end. */
  static void stop(WatchService watchService, Thread thread) throws IOException {
    watchService.close();
    try {
      thread.join(1000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
