package dev.conman.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NativeLibrariesTest {

  @TempDir Path dir;

  @Test
  void sqlitesLibraryIsCopiedOnceByVersionAndPlatform() throws Exception {
    Path copy = NativeLibraries.sqliteCopyIn(dir.resolve("native")).orElseThrow();
    assertTrue(copy.getFileName().toString().matches("libsqlitejdbc-[0-9.]+-Linux-[a-z0-9_]+\\.so"), copy.toString());
    long modified = Files.getLastModifiedTime(copy).toMillis();
    assertTrue(Files.size(copy) > 100_000, "the whole library");
    assertEquals(copy, NativeLibraries.sqliteCopyIn(dir.resolve("native")).orElseThrow());
    assertEquals(modified, Files.getLastModifiedTime(copy).toMillis(), "made once");
    try (var left = Files.list(dir.resolve("native"))) {
      assertEquals(1, left.count(), "no partial file left");
    }
    assertEquals("\u007fELF", new String(Files.readAllBytes(copy), 0, 4, StandardCharsets.ISO_8859_1), "a shared library");
  }

  @Test
  void aResourceTheJarLacksMakesNoCopy() throws Exception {
    assertTrue(NativeLibraries.copyIn(dir, "libnone.so", () -> "/no/such/library.so").isEmpty());
    try (var left = Files.list(dir)) {
      assertEquals(0, left.count());
    }
  }

  /** This test JVM has not loaded JNA before; afterwards it has mapped the daemon's copy. */
  @Test
  void jnaLoadsItsLibraryFromTheCopy() throws Exception {
    Path natives = dir.resolve("native");
    NativeLibraries.useCopiesIn(natives);
    String expected = natives.resolve(System.mapLibraryName(System.getProperty("jna.boot.library.name"))).toString();
    assertTrue(Files.isRegularFile(Path.of(expected)), expected);
    dev.conman.runc.Libc.load();
    assertTrue(Files.readString(Path.of("/proc/self/maps")).contains(expected), "JNA mapped " + expected);
  }
}
