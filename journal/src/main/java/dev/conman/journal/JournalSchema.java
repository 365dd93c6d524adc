package dev.conman.journal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;

/**
 * Creates the tables of pekko-persistence-jdbc in the SQLite database at first start.
 *
 * <p>It is the plugin's H2 schema with one change: SQLite auto-increments a column only when it is
 * declared {@code INTEGER PRIMARY KEY AUTOINCREMENT}, so {@code ordering} is the primary key and
 * (persistence_id, sequence_number) a unique constraint. {@code ordering} is the global offset the
 * read journal streams by, and AUTOINCREMENT guarantees it is never reused.
 */
public final class JournalSchema {

  private static final String[] DDL = {
    """
    CREATE TABLE IF NOT EXISTS "event_journal" (
      "ordering" INTEGER PRIMARY KEY AUTOINCREMENT,
      "deleted" BOOLEAN DEFAULT false NOT NULL,
      "persistence_id" VARCHAR(255) NOT NULL,
      "sequence_number" BIGINT NOT NULL,
      "writer" VARCHAR NOT NULL,
      "write_timestamp" BIGINT NOT NULL,
      "adapter_manifest" VARCHAR NOT NULL,
      "event_payload" BLOB NOT NULL,
      "event_ser_id" INTEGER NOT NULL,
      "event_ser_manifest" VARCHAR NOT NULL,
      "meta_payload" BLOB,
      "meta_ser_id" INTEGER,
      "meta_ser_manifest" VARCHAR,
      UNIQUE ("persistence_id", "sequence_number"))
    """,
    """
    CREATE TABLE IF NOT EXISTS "event_tag" (
      "event_id" BIGINT NOT NULL,
      "tag" VARCHAR NOT NULL,
      PRIMARY KEY ("event_id", "tag"),
      FOREIGN KEY ("event_id") REFERENCES "event_journal" ("ordering") ON DELETE CASCADE)
    """,
    """
    CREATE TABLE IF NOT EXISTS "snapshot" (
      "persistence_id" VARCHAR(255) NOT NULL,
      "sequence_number" BIGINT NOT NULL,
      "created" BIGINT NOT NULL,
      "snapshot_ser_id" INTEGER NOT NULL,
      "snapshot_ser_manifest" VARCHAR NOT NULL,
      "snapshot_payload" BLOB NOT NULL,
      "meta_ser_id" INTEGER,
      "meta_ser_manifest" VARCHAR,
      "meta_payload" BLOB,
      PRIMARY KEY ("persistence_id", "sequence_number"))
    """,
    // event queries by time (conmanctl events --since TIME)
    """
    CREATE INDEX IF NOT EXISTS "event_journal_write_timestamp_idx" ON "event_journal" ("write_timestamp")
    """
  };

  private JournalSchema() {}

  /**
   * Does the part of opening a first connection that depends on no database: sqlite-jdbc builds
   * date formats for each connection's settings, and the first of them loads the locale data (about
   * 20 ms of a daemon's start). A daemon does it early, on a thread of its own, before {@link
   * #ensure} opens the journal.
   */
  public static void warmUp() {
    new org.sqlite.SQLiteConfig();
  }

  /**
   * Creates the database file (mode 0600) and the tables if they are missing; idempotent.
   *
   * @throws DamagedJournalException when the file exists but is not a sound SQLite database: the
   *     daemon must never start with an empty journal in place of a damaged one
   */
  public static void ensure(Path database) throws SQLException, IOException {
    boolean existed = Files.exists(database) && Files.size(database) > 0;
    Files.createDirectories(database.toAbsolutePath().getParent());
    if (Files.notExists(database)) {
      Files.createFile(database, java.nio.file.attribute.PosixFilePermissions.asFileAttribute(
          java.nio.file.attribute.PosixFilePermissions.fromString("rw-------")));
    }
    try (Connection c = DriverManager.getConnection(JournalSettings.jdbcUrl(database));
        Statement s = c.createStatement()) {
      if (existed) {
        check(database, s);
      }
      for (String ddl : DDL) {
        s.executeUpdate(ddl);
      }
    } catch (SQLException e) {
      if (e.getMessage() != null && (e.getMessage().contains("SQLITE_NOTADB") || e.getMessage().contains("SQLITE_CORRUPT"))) {
        throw new DamagedJournalException(database, e.getMessage());
      }
      throw e;
    }
  }

  /** quick_check reads every page: a truncated or overwritten file fails it. */
  private static void check(Path database, Statement s) throws SQLException {
    try (var rs = s.executeQuery("PRAGMA quick_check")) {
      String result = rs.next() ? rs.getString(1) : "no answer";
      if (!"ok".equals(result)) {
        throw new DamagedJournalException(database, result);
      }
    }
  }
}
