package dev.conman.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteNativeLibraryTest {

  @TempDir Path dir;

  @Test
  void theLibraryIsCopiedOnceByVersionAndPlatformAndLoadable() throws Exception {
    Path copy = SqliteNativeLibrary.copyIn(dir.resolve("native")).orElseThrow();
    assertTrue(copy.getFileName().toString().matches("libsqlitejdbc-[0-9.]+-Linux-[a-z0-9_]+\\.so"), copy.toString());
    long modified = Files.getLastModifiedTime(copy).toMillis();
    assertTrue(Files.size(copy) > 100_000, "the whole library");
    assertEquals(copy, SqliteNativeLibrary.copyIn(dir.resolve("native")).orElseThrow());
    assertEquals(modified, Files.getLastModifiedTime(copy).toMillis(), "made once");
    try (var left = Files.list(dir.resolve("native"))) {
      assertEquals(1, left.count(), "no partial file left");
    }
    byte[] head = java.util.Arrays.copyOf(Files.readAllBytes(copy), 4);
    assertEquals("\u007fELF", new String(head, java.nio.charset.StandardCharsets.ISO_8859_1), "a shared library");
  }
}
