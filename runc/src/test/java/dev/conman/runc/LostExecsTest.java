package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.runc.ContainerRuntime.LostExec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The exec sessions an earlier daemon left: found by their pid files, which are removed. */
class LostExecsTest {

  @TempDir Path conmonDir;

  @Test
  void eachSessionIsReportedOnceItsFileIsRemovedAndOnlyAProcessInTheContainersCgroupIsKilled() throws Exception {
    RuntimePaths paths = new RuntimePaths(conmonDir.resolve("runc"), conmonDir.resolve("exits"),
        conmonDir.resolve("attach"), conmonDir, conmonDir.resolve("execs"));
    Process stranger = new ProcessBuilder("sleep", "60").start();
    try {
      // a pid now used by a process outside the container (pids are reused): not killed
      Files.writeString(paths.execPidFile("c1", "e-live"), Long.toString(stranger.pid()));
      // runc had not written the pid yet
      Files.writeString(paths.execPidFile("c1", "e-empty"), "");
      Files.writeString(paths.containerPidFile("c1"), "42");

      List<LostExec> lost = LostExecs.collect(paths.conmonDirEntries()).stream()
          .sorted(Comparator.comparing(LostExec::execId)).toList();

      assertEquals(List.of(new LostExec("c1", "e-empty", false), new LostExec("c1", "e-live", false)), lost);
      assertTrue(stranger.isAlive(), "a process outside the container's cgroup is left alone");
      assertFalse(Files.exists(paths.execPidFile("c1", "e-live")));
      assertFalse(Files.exists(paths.execPidFile("c1", "e-empty")));
      assertTrue(Files.exists(paths.containerPidFile("c1")), "only exec pid files are taken");
      assertEquals(List.of(), LostExecs.collect(paths.conmonDirEntries()));
    } finally {
      stranger.destroyForcibly();
    }
  }

  @Test
  void aPidThatNamesNoProcessIsNotKilled() {
    assertFalse(LostExecs.killIfIn(Integer.MAX_VALUE, "c1"));
  }
}
