package dev.conman.journal;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why the journal refused a write, in words a person can act on. SQLite's own error rarely says
 * what to do (a file system that an error made read-only shows as a disk I/O error, a full one as
 * "database or disk is full" without naming the disk). So the journal's file system is looked at
 * when the failure happens: full, read-only or refusing new files says what to do; otherwise the
 * error is all there is.
 */
public final class JournalFailure {

  /** Less free space than this is a full disk to SQLite: a write needs a few pages of WAL. */
  static final long NEARLY_FULL_BYTES = 1024 * 1024;

  private JournalFailure() {}

  /** The explanation of {@code failure} of the journal that {@code config} points at. */
  public static String explain(Config config, Throwable failure) {
    return explain(JournalSettings.database(config), failure);
  }

  static String explain(Optional<Path> database, Throwable failure) {
    if (database.isPresent()) {
      Path dir = database.get().toAbsolutePath().getParent();
      try {
        FileStore store = Files.getFileStore(dir);
        long free = store.getUsableSpace();
        if (free < NEARLY_FULL_BYTES) {
          return "the file system of " + dir + " is full (" + free + " bytes free)";
        }
        Optional<String> unwritable = store.isReadOnly() ? Optional.of(READ_ONLY) : cannotCreateFileIn(dir);
        if (unwritable.isPresent()) {
          return unwritable.get().equals(READ_ONLY) ? "the file system of " + dir + " is read-only"
              : "no file can be created in " + dir + " (" + unwritable.get() + ")";
        }
      } catch (IOException e) {
        return "its directory " + dir + " cannot be examined (" + e.getMessage() + "); the write failed with: "
            + innermost(failure);
      }
    }
    return innermost(failure);
  }

  /** strerror(EROFS), as Java reports it. */
  private static final String READ_ONLY = "Read-only file system";

  /**
   * Why no file can be created in {@code dir}, if so. A file system that an error made read-only
   * (ext4's errors=remount-ro) still says "rw" in its mount options: only a write tells. The probe
   * is an empty file, removed at once, made only after a write has failed.
   */
  private static Optional<String> cannotCreateFileIn(Path dir) {
    try {
      Files.delete(Files.createTempFile(dir, ".conman-write-probe", null));
      return Optional.empty();
    } catch (FileSystemException e) {
      return Optional.of(e.getReason() != null ? e.getReason() : e.toString());
    } catch (IOException e) {
      return Optional.of(e.toString());
    }
  }

  private static String innermost(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.toString();
  }
}
