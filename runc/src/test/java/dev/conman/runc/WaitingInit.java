package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A created container as runc 1.1 leaves it, without runc: in the container's directory, an
 * {@code exec.fifo} and a state.json naming a shell that waits to open the FIFO for writing (as
 * runc's init does) and then runs what the test gives it.
 */
final class WaitingInit {

  private WaitingInit() {}

  static Path fifo(Path containerDir) throws Exception {
    Files.createDirectories(containerDir);
    Path fifo = containerDir.resolve(InitStart.EXEC_FIFO);
    assertEquals(0, new ProcessBuilder("mkfifo", fifo.toString()).start().waitFor());
    return fifo;
  }

  /** The FIFO, and the shell: it opens it on fd 3 (blocking until a reader comes), then runs {@code then}. */
  static Process start(Path containerDir, String then) throws Exception {
    Path fifo = fifo(containerDir);
    Process init = new ProcessBuilder("sh", "-c", "exec 3>" + fifo + "; " + then).start();
    writeState(containerDir, init.pid(), startTime(init), "{}", "{}");
    return init;
  }

  static long startTime(Process p) throws IOException {
    return InitSignal.ProcStat.of((int) p.pid()).orElseThrow().startTime();
  }

  static void writeState(Path containerDir, long pid, long start, String config, String cgroups) throws IOException {
    Files.writeString(containerDir.resolve(RuncStateFile.NAME), "{\"id\":\"c\",\"init_process_pid\":" + pid
        + ",\"init_process_start\":" + start + ",\"config\":" + config + ",\"cgroup_paths\":" + cgroups + "}",
        StandardCharsets.UTF_8);
  }
}
