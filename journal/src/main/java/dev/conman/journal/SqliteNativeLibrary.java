package dev.conman.journal;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.sqlite.SQLiteJDBCLoader;
import org.sqlite.util.OSInfo;

/**
 * sqlite-jdbc copies its native library out of its jar into java.io.tmpdir at every start, which
 * cost about 60 ms of each daemon start here; a copy kept in a directory of the daemon's own is
 * loaded directly instead. The copy is named by sqlite-jdbc's version and platform, so an upgrade
 * makes a new one; it is written to a temporary name and renamed, so a crash leaves no half file.
 */
public final class SqliteNativeLibrary {

  private static final String PATH_PROPERTY = "org.sqlite.lib.path";
  private static final String NAME_PROPERTY = "org.sqlite.lib.name";

  private SqliteNativeLibrary() {}

  /**
   * Points sqlite-jdbc at the copy of its library in {@code dir} (made on first use); leaves it
   * alone when the library location is configured already or the jar has no library for this
   * platform. Call before the first connection.
   */
  public static void useCopyIn(Path dir) throws IOException {
    if (System.getProperty(PATH_PROPERTY) != null) {
      return;
    }
    java.util.Optional<Path> copy = copyIn(dir);
    if (copy.isPresent()) {
      System.setProperty(PATH_PROPERTY, dir.toString());
      System.setProperty(NAME_PROPERTY, copy.get().getFileName().toString());
    }
  }

  /** The copy of the library in {@code dir}, made if missing; empty when the jar has none for this platform. */
  static java.util.Optional<Path> copyIn(Path dir) throws IOException {
    String folder = OSInfo.getNativeLibFolderPathForCurrentOS();
    String resource = "/org/sqlite/native/" + folder + "/libsqlitejdbc.so";
    String name = "libsqlitejdbc-" + SQLiteJDBCLoader.getVersion() + "-" + folder.replace('/', '-') + ".so";
    Path copy = dir.resolve(name);
    if (Files.isRegularFile(copy)) {
      return java.util.Optional.of(copy);
    }
    try (InputStream in = SQLiteJDBCLoader.class.getResourceAsStream(resource)) {
      if (in == null) {
        return java.util.Optional.empty();
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
    return java.util.Optional.of(copy);
  }
}
