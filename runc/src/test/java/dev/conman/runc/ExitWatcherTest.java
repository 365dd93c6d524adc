package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExitWatcherTest {

  @Test
  void reportsCreatedFilesAndSkipsTemporaryOnes(@TempDir Path dir) throws Exception {
    LinkedBlockingQueue<String> ids = new LinkedBlockingQueue<>();
    try (ExitWatcher watcher = ExitWatcher.start(dir, ids::add)) {
      // the way conmon writes (g_file_set_contents): temporary file, then rename
      Path temp = Files.writeString(dir.resolve("abc.X1Y2Z3"), "7");
      Files.move(temp, dir.resolve("abc"), StandardCopyOption.ATOMIC_MOVE);
      assertEquals("abc", ids.poll(5, TimeUnit.SECONDS));

      Files.writeString(dir.resolve("def"), "0");
      String next = ids.poll(5, TimeUnit.SECONDS);
      while ("def".equals(ids.peek()) || "abc".equals(next)) {
        next = ids.poll(1, TimeUnit.SECONDS);
      }
      assertEquals("def", next);
      assertEquals(List.of("abc", "def"), watcher.existingIds());
    }
  }

  @Test
  void aFailingListenerDoesNotStopTheWatch(@TempDir Path dir) throws Exception {
    LinkedBlockingQueue<String> ids = new LinkedBlockingQueue<>();
    try (ExitWatcher watcher = ExitWatcher.start(dir, id -> {
      ids.add(id);
      throw new IllegalStateException("boom");
    })) {
      Files.writeString(dir.resolve("one"), "1");
      assertEquals("one", ids.poll(5, TimeUnit.SECONDS));
      Files.writeString(dir.resolve("two"), "2");
      String id;
      do {
        id = ids.poll(5, TimeUnit.SECONDS);
      } while ("one".equals(id));
      assertEquals("two", id);
    }
  }

  @Test
  void listsExistingExitFilesForStartUp(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("b"), "0");
    Files.writeString(dir.resolve("a"), "1");
    Files.writeString(dir.resolve("a.tmp123"), "");
    Files.createDirectory(dir.resolve("sub"));
    assertEquals(List.of("a", "b"), ExitWatcher.existingIds(dir));
  }

  @Test
  void closeEndsTheThread(@TempDir Path dir) throws Exception {
    ExitWatcher watcher = ExitWatcher.start(dir, id -> { });
    watcher.close();
    assertTrue(Thread.getAllStackTraces().keySet().stream()
        .noneMatch(t -> t.getName().equals("conman-exit-watcher") && t.isAlive()));
  }
}
