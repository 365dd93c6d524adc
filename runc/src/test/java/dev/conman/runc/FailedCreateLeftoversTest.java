package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FailedCreateLeftoversTest {

  @TempDir Path dir;

  private static final String FAILED = "a".repeat(64);
  private static final String LIVE = "b".repeat(64);
  private static final String EXITED_UNKNOWN_TO_RUNC = "c".repeat(64);

  private void conmonFiles(RuntimePaths paths, String id) throws IOException {
    for (Path file : Set.of(paths.createLog(id), paths.conmonOutput(id), paths.containerPidFile(id))) {
      Files.writeString(file, "x");
    }
    Files.writeString(paths.conmonPidFile(id), "999999999"); // no such process
    Files.createDirectories(paths.persistDir(id));
  }

  @Test
  void removesTheFilesOfContainersRuncDoesNotKnowAndKeepsWhatAReconciliationMayRead() throws IOException {
    RuntimePaths paths = RuntimePaths.under(dir);
    paths.createDirectories();
    conmonFiles(paths, FAILED);
    conmonFiles(paths, LIVE);
    Files.createDirectories(paths.runcDir(LIVE));
    conmonFiles(paths, EXITED_UNKNOWN_TO_RUNC);
    Files.writeString(paths.persistDir(EXITED_UNKNOWN_TO_RUNC).resolve("exit"), "3");
    Files.writeString(paths.exitFile(EXITED_UNKNOWN_TO_RUNC), "3");
    Files.writeString(paths.execPidFile(LIVE, "e1"), "1"); // LostExecs' to take

    assertEquals(Set.of(FAILED, EXITED_UNKNOWN_TO_RUNC), FailedCreateLeftovers.sweep(paths, paths.conmonDirEntries()));

    for (Path file : paths.conmonFiles(FAILED)) {
      assertFalse(Files.exists(file), file.toString());
    }
    assertFalse(Files.exists(paths.persistDir(FAILED)), "an empty persist directory goes too");
    assertTrue(Files.exists(paths.createLog(LIVE)), "runc knows it: kept");
    assertTrue(Files.exists(paths.persistDir(EXITED_UNKNOWN_TO_RUNC).resolve("exit")), "conmon's record stays");
    assertTrue(Files.exists(paths.exitFile(EXITED_UNKNOWN_TO_RUNC)), "the exit file stays");
    assertTrue(Files.exists(paths.execPidFile(LIVE, "e1")));
  }
}
