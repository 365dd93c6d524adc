package dev.conman.journal;

import com.typesafe.config.Config;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Why the journal refused a write, in words a person can act on. SQLite's own error is often lost on
 * the way: when a commit fails for a full disk, Slick's clean-up fails next ("cannot commit - no
 * transaction is active") and that is the error reported. So the journal's file system is looked at
 * when the failure happens: full or read-only says what to do; otherwise the error is all there is.
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
        if (store.isReadOnly()) {
          return "the file system of " + dir + " is read-only";
        }
        long free = store.getUsableSpace();
        if (free < NEARLY_FULL_BYTES) {
          return "the file system of " + dir + " is full (" + free + " bytes free)";
        }
      } catch (IOException e) {
        return "its directory " + dir + " cannot be examined (" + e.getMessage() + "); the write failed with: "
            + innermost(failure);
      }
    }
    return innermost(failure);
  }

  private static String innermost(Throwable t) {
    Throwable cause = t;
    while (cause.getCause() != null && cause.getCause() != cause) {
      cause = cause.getCause();
    }
    return cause.getMessage() != null ? cause.getMessage() : cause.toString();
  }
}
