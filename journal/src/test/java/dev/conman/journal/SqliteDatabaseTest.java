package dev.conman.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The write connection that submitting threads take turns on, and its group commit. */
class SqliteDatabaseTest {

  private static final String INSERT = "INSERT INTO \"snapshot\" (\"persistence_id\", \"sequence_number\","
      + " \"created\", \"snapshot_payload\", \"snapshot_ser_id\", \"snapshot_ser_manifest\") VALUES (?, ?, 0, x'00', 1, '')";

  @TempDir
  Path dir;

  private static SqliteDatabase.Work<Void> insert(String id, long n) {
    return c -> {
      PreparedStatement s = c.get(INSERT);
      s.setString(1, id);
      s.setLong(2, n);
      s.executeUpdate();
      return null;
    };
  }

  private SqliteDatabase open() throws Exception {
    Path file = dir.resolve("j.db");
    JournalSchema.ensure(file);
    return SqliteDatabase.acquire(file);
  }

  private static long rows(SqliteDatabase db) throws Exception {
    return db.read(c -> {
      try (ResultSet rs = c.get("SELECT COUNT(*) FROM \"snapshot\"").executeQuery()) {
        return rs.next() ? rs.getLong(1) : -1L;
      }
    }).get(10, TimeUnit.SECONDS);
  }

  @Test
  void everyWriteOfManyThreadsCommitsWhicheverThreadRunsIt() throws Exception {
    SqliteDatabase db = open();
    ExecutorService threads = Executors.newFixedThreadPool(8);
    try {
      List<CompletableFuture<Void>> writes = new ArrayList<>();
      List<java.util.concurrent.Future<?>> submitted = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        String id = "w" + t;
        submitted.add(threads.submit(() -> {
          for (int n = 1; n <= 200; n++) {
            synchronized (writes) {
              writes.add(db.write(insert(id, n)));
            }
          }
        }));
      }
      for (var s : submitted) {
        s.get(30, TimeUnit.SECONDS);
      }
      CompletableFuture.allOf(writes.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      assertEquals(1600, rows(db));
    } finally {
      threads.shutdownNow();
      db.release();
    }
  }

  @Test
  void aWriteThatFailsInAGroupFailsAloneAndTheOthersCommit() throws Exception {
    SqliteDatabase db = open();
    try {
      db.write(insert("a", 2)).get(10, TimeUnit.SECONDS);
      // the second repeats a primary key that is already stored
      List<CompletableFuture<Void>> group = db.writeAll(List.of(insert("a", 1), insert("a", 2), insert("a", 3)));
      group.get(0).get(10, TimeUnit.SECONDS);
      ExecutionException e = assertThrows(ExecutionException.class, () -> group.get(1).get(10, TimeUnit.SECONDS));
      assertTrue(e.getCause() instanceof SQLException, e.toString());
      group.get(2).get(10, TimeUnit.SECONDS);
      assertEquals(3, rows(db));
    } finally {
      db.release();
    }
  }

  @Test
  void aReleasedDatabaseRefusesWritesAndLeavesNoWal() throws Exception {
    SqliteDatabase db = open();
    db.write(insert("a", 1)).get(10, TimeUnit.SECONDS);
    db.release();
    assertFalse(Files.exists(dir.resolve("j.db-wal")) && Files.size(dir.resolve("j.db-wal")) > 0,
        "the WAL is folded into the file at close");
    ExecutionException e = assertThrows(ExecutionException.class,
        () -> db.write(insert("a", 2)).get(10, TimeUnit.SECONDS));
    assertTrue(e.getCause().getMessage().contains("is closed"), e.getCause().getMessage());
  }
}
