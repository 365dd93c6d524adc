package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Directories the daemon makes on its hot paths (a create makes its parents every time). */
public final class Directories {

  private Directories() {}

  /**
   * {@link Files#createDirectories}, with a look first: for a directory that is there already,
   * createDirectories tries mkdir and turns EEXIST into an exception whose stack trace (an actor's
   * deep one) costs more than the look, 20-50 us each on a daemon's create path.
   */
  public static Path ensure(Path dir) throws IOException {
    return Files.isDirectory(dir) ? dir : Files.createDirectories(dir);
  }
}
