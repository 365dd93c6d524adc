package dev.conman.journal;

import java.nio.file.Path;

/** The journal file exists but SQLite cannot read it soundly; the message says what to do. */
public final class DamagedJournalException extends IllegalStateException {

  public DamagedJournalException(Path database, String detail) {
    super("the journal " + database + " is damaged (" + detail + "). conmand will not start with an empty journal"
        + " in its place: restore the file (and its -wal file) from a backup, or move them away to start afresh,"
        + " which forgets every container's history (running containers are then reported as unknown to runc's root)");
  }
}
