package dev.conman.daemon;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;
import java.util.function.Supplier;

/**
 * sqlite-jdbc and JNA copy their native library out of their jar into a temporary directory at
 * every start (about 60 ms and 15 ms of each daemon start here; JNA's goes to the home directory).
 * A copy kept in a directory of the daemon's own is loaded directly instead.
 *
 * <p>A copy is named by the library's version and the platform, so an upgrade makes a new one, and
 * it is written to a temporary name and renamed, so a crash leaves no half file. The name comes
 * from system properties only: finding the resource in the jar costs sqlite-jdbc a child process
 * ({@code uname -o}, to rule out Android) and a scan of the JVM's mappings (for musl), about 30 ms,
 * paid only by the start that makes the copy.
 */
final class NativeLibraries {

  private static final String PLATFORM = System.getProperty("os.name") + "-" + System.getProperty("os.arch");

  private NativeLibraries() {}

  /**
   * Points sqlite-jdbc and JNA at their copies in {@code dir} (made on first use). A library whose
   * location is configured already, or whose jar has none for this platform, is left alone. Call
   * before the first connection and the first native call.
   */
  static void useCopiesIn(Path dir) throws IOException {
    if (System.getProperty("org.sqlite.lib.path") == null) {
      Optional<Path> sqlite = sqliteCopyIn(dir);
      if (sqlite.isPresent()) {
        System.setProperty("org.sqlite.lib.path", dir.toString());
        System.setProperty("org.sqlite.lib.name", sqlite.get().getFileName().toString());
      }
    }
    if (System.getProperty("jna.boot.library.path") == null) {
      // JNA loads lib<name>.so from the path; a copy that fails to load makes it extract its own
      String name = "jnidispatch-" + com.sun.jna.Native.VERSION + "-" + PLATFORM;
      if (copyIn(dir, System.mapLibraryName(name),
          () -> "/com/sun/jna/" + com.sun.jna.Platform.RESOURCE_PREFIX + "/libjnidispatch.so").isPresent()) {
        System.setProperty("jna.boot.library.path", dir.toString());
        System.setProperty("jna.boot.library.name", name);
      }
    }
  }

  static Optional<Path> sqliteCopyIn(Path dir) throws IOException {
    return copyIn(dir, "libsqlitejdbc-" + org.sqlite.SQLiteJDBCLoader.getVersion() + "-" + PLATFORM + ".so",
        () -> "/org/sqlite/native/" + org.sqlite.util.OSInfo.getNativeLibFolderPathForCurrentOS() + "/libsqlitejdbc.so");
  }

  /** The copy {@code dir/name} of {@code resource}, made if missing; empty when the jar has none. */
  static Optional<Path> copyIn(Path dir, String name, Supplier<String> resource) throws IOException {
    Path copy = dir.resolve(name);
    if (Files.isRegularFile(copy)) {
      return Optional.of(copy);
    }
    try (InputStream in = NativeLibraries.class.getResourceAsStream(resource.get())) {
      if (in == null) {
        return Optional.empty();
      }
      Files.createDirectories(dir);
      Path partial = Files.createTempFile(dir, name, ".partial");
      try {
        Files.copy(in, partial, StandardCopyOption.REPLACE_EXISTING);
        Files.move(partial, copy, StandardCopyOption.ATOMIC_MOVE);
      } finally {
        Files.deleteIfExists(partial);
      }
    }
    return Optional.of(copy);
  }
}
