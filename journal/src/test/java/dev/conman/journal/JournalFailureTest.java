package dev.conman.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalFailureTest {

  @TempDir Path dir;

  @Test
  void theDatabaseIsFoundWhereTheSettingsPutIt() {
    Path db = dir.resolve("conman.db");
    assertEquals(Optional.of(db.toAbsolutePath()),
        JournalSettings.database(JournalSettings.withDatabase(ConfigFactory.empty(), db)));
    assertEquals(Optional.empty(), JournalSettings.database(ConfigFactory.empty()));
  }

  @Test
  void aWritableFileSystemWithSpaceLeavesTheErrorToSpeak() {
    // the temporary directory has room: the failure is not put down to the disk
    Exception failure = new RuntimeException("write failed", new SQLException("[SQLITE_IOERR] disk I/O error"));
    assertEquals("[SQLITE_IOERR] disk I/O error", JournalFailure.explain(Optional.of(dir.resolve("conman.db")), failure));
  }

  @Test
  void aDirectoryWhereNoFileCanBeCreatedIsSaidSo() throws Exception {
    Path file = java.nio.file.Files.createFile(dir.resolve("not-a-directory"));
    String why = JournalFailure.explain(Optional.of(file.resolve("conman.db")), new SQLException("cannot commit"));
    assertTrue(why.startsWith("no file can be created in " + file), why);
  }

  @Test
  void aJournalItCannotLookAtIsExplainedByItsError() {
    String why = JournalFailure.explain(Optional.of(dir.resolve("missing/conman.db")), new SQLException("no such file"));
    assertTrue(why.contains("cannot be examined") && why.contains("no such file"), why);
    assertEquals("boom", JournalFailure.explain(Optional.empty(), new IllegalStateException("boom")));
  }
}
