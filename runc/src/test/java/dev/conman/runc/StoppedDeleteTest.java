package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The delete of a stopped container without runc, against hand-written state and cgroup directories. */
class StoppedDeleteTest {

  @TempDir
  Path dir;

  private static final String PLAIN_CONFIG = "\"namespaces\":[{\"type\":\"NEWPID\",\"path\":\"\"},"
      + "{\"type\":\"NEWNS\",\"path\":\"\"}],\"cgroups\":{\"name\":\"c\",\"devices\":[{\"type\":97}],\"Systemd\":false},"
      + "\"Hooks\":{\"poststart\":null,\"poststop\":null}";

  /** runc's directory of a container whose init (the JVM's own pid, with another start time) has ended. */
  private Path container(String config, Path... cgroups) throws IOException {
    return container(ProcessHandle.current().pid(), 1, config, cgroups);
  }

  private Path container(long pid, long start, String config, Path... cgroups) throws IOException {
    Path runcDir = Files.createDirectories(dir.resolve("runc/c"));
    StringBuilder paths = new StringBuilder();
    String[] controllers = {"", "memory", "pids", "cpu"};
    for (int i = 0; i < cgroups.length; i++) {
      Files.createDirectories(cgroups[i]);
      paths.append(i == 0 ? "" : ",").append('"').append(controllers[i]).append("\":\"").append(cgroups[i]).append('"');
    }
    Files.writeString(runcDir.resolve(RuncStateFile.NAME), "{\"id\":\"c\",\"init_process_pid\":" + pid
        + ",\"init_process_start\":" + start + ",\"config\":{" + config + "},\"rootless\":false,"
        + "\"cgroup_paths\":{" + paths + "},\"namespace_paths\":{},\"intel_rdt_path\":\"\"}");
    return runcDir;
  }

  @Test
  void removesTheCgroupDirectoriesAndRuncsDirectoryOfAStoppedContainer() throws IOException {
    Path unified = dir.resolve("cg/unified/conman/c");
    Path memory = dir.resolve("cg/memory/conman/c");
    Path runcDir = container(PLAIN_CONFIG, unified, memory, memory);
    Files.createFile(runcDir.resolve(InitStart.EXEC_FIFO));
    assertEquals(StoppedDelete.Outcome.DELETED, StoppedDelete.delete(runcDir));
    assertFalse(Files.exists(unified));
    assertFalse(Files.exists(memory));
    assertTrue(Files.isDirectory(memory.getParent()), "only the container's own cgroup");
    assertFalse(Files.exists(runcDir));
  }

  @Test
  void leavesToRuncWhatNeedsMoreThanThat() throws Exception {
    Path cgroup = dir.resolve("cg/pids/conman/c");
    for (String config : new String[] {
        "\"namespaces\":[{\"type\":\"NEWNS\",\"path\":\"\"}],\"cgroups\":{\"Systemd\":false}",
        "\"namespaces\":[{\"type\":\"NEWPID\",\"path\":\"/proc/1/ns/pid\"}],\"cgroups\":{\"Systemd\":false}",
        PLAIN_CONFIG.replace("\"Systemd\":false", "\"Systemd\":true"),
        PLAIN_CONFIG.replace("\"Systemd\":false", "\"x\":1"),
        PLAIN_CONFIG.replace("\"poststop\":null", "\"poststop\":[{\"path\":\"/bin/true\"}]")}) {
      Path runcDir = container(config, cgroup);
      assertEquals(StoppedDelete.Outcome.ASK_RUNC, StoppedDelete.delete(runcDir), config);
      assertTrue(Files.exists(cgroup) && Files.exists(runcDir.resolve(RuncStateFile.NAME)), "untouched: " + config);
    }
    Path runcDir = container(PLAIN_CONFIG, cgroup);
    Files.writeString(runcDir.resolve(RuncStateFile.NAME), Files.readString(runcDir.resolve(RuncStateFile.NAME))
        .replace("\"rootless\":false", "\"rootless\":true"));
    assertEquals(StoppedDelete.Outcome.ASK_RUNC, StoppedDelete.delete(runcDir), "rootless cgroups");

    Process live = new ProcessBuilder("sleep", "30").start();
    try {
      runcDir = container(live.pid(), WaitingInit.startTime(live), PLAIN_CONFIG, cgroup);
      assertEquals(StoppedDelete.Outcome.ASK_RUNC, StoppedDelete.delete(runcDir), "its init still runs");
      assertTrue(Files.exists(cgroup) && Files.exists(runcDir.resolve(RuncStateFile.NAME)));
    } finally {
      live.destroyForcibly();
    }
    assertEquals(StoppedDelete.Outcome.ASK_RUNC, StoppedDelete.delete(dir.resolve("runc/none")), "no such container");
  }

  @Test
  void aCgroupOrStateThatCannotBeRemovedIsLeftToRunc() throws IOException {
    Path busy = dir.resolve("cg/memory/conman/c");
    Path runcDir = container(PLAIN_CONFIG, busy);
    // stands for a cgroup with processes or child cgroups: rmdir refuses it
    Files.createDirectories(busy.resolve("child"));
    assertEquals(StoppedDelete.Outcome.ASK_RUNC, StoppedDelete.delete(runcDir));
    assertTrue(Files.exists(runcDir.resolve(RuncStateFile.NAME)), "runc still knows the container");

    Files.delete(busy.resolve("child"));
    Files.createDirectories(runcDir.resolve("checkpoint"));
    assertEquals(StoppedDelete.Outcome.ASK_RUNC, StoppedDelete.delete(runcDir), "runc's to remove");
    assertTrue(Files.exists(runcDir.resolve(RuncStateFile.NAME)));
  }

  @Test
  void readsWhetherATeardownIsPlainFromRuncsState() throws IOException {
    String state = "{\"init_process_pid\":5,\"config\":{" + PLAIN_CONFIG + "},\"rootless\":false,"
        + "\"cgroup_paths\":{\"\":\"/sys/fs/cgroup/unified/c\",\"cpu\":\"/sys/fs/cgroup/cpu/c\","
        + "\"cpuacct\":\"/sys/fs/cgroup/cpu/c\"},\"intel_rdt_path\":\"\"}";
    RuncStateFile plain = RuncStateFile.parse(state.getBytes(StandardCharsets.UTF_8));
    assertTrue(plain.plainTeardown());
    assertEquals(2, plain.cgroupDirs().size(), "cpu and cpuacct share a directory");
    assertFalse(RuncStateFile.parse(state.replace("\"intel_rdt_path\":\"\"", "\"intel_rdt_path\":\"/sys/fs/resctrl/c\"")
        .getBytes(StandardCharsets.UTF_8)).plainTeardown());
  }
}
