package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessTableTest {

  @TempDir Path proc;

  /** A /proc/PID as the kernel writes it (Linux 6.1): the fields ps reads. */
  private void process(long hostPid, long containerPid, String name, String state, long ppid, long uid,
      long utime, long stime, long startTicks, String cmdline) throws IOException {
    Path dir = Files.createDirectories(proc.resolve(Long.toString(hostPid)));
    Files.writeString(dir.resolve("stat"), hostPid + " (" + name + ") " + state + " " + ppid + " " + hostPid + " "
        + hostPid + " 0 -1 4194560 701 0 0 0 " + utime + " " + stime + " 0 0 20 0 1 0 " + startTicks
        + " 2322432 316 18446744073709551615\n");
    Files.writeString(dir.resolve("status"), "Name:\t" + name + "\nState:\t" + state + " (x)\nPPid:\t" + ppid
        + "\nUid:\t1000\t" + uid + "\t" + uid + "\t" + uid + "\nNSpid:\t" + hostPid + "\t" + containerPid + "\n");
    Files.writeString(dir.resolve("cmdline"), cmdline);
  }

  @Test
  void readsWhatPsShowsWithThePidsTheContainerSees() throws IOException {
    Files.writeString(proc.resolve("stat"), "cpu  1 2 3\nbtime 1795894829\nprocesses 9\n");
    process(10950, 1, "sh", "S", 10939, 0, 3, 1, 8556303, "/bin/sh\0-c\0sleep 100; echo\0");
    process(10960, 7, "sle) (ep", "S", 10950, 65534, 0, 0, 8556400, "sleep\0" + "100\0");
    process(10961, 8, "defunct", "Z", 10950, 0, 0, 0, 8556401, "");
    Path etc = Files.createDirectories(proc.resolve("10950/root/etc"));
    Files.writeString(etc.resolve("passwd"), "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n");

    List<ContainerProcess> ps = new ProcessTable(proc).read(List.of(10961L, 10960L, 10950L, 10999L));

    Instant boot = Instant.ofEpochSecond(1795894829);
    assertEquals(List.of(
        new ContainerProcess(1, 10950, 0, 0, "root", "S", 40_000_000, boot.plusMillis(85563030),
            List.of("/bin/sh", "-c", "sleep 100; echo")),
        new ContainerProcess(7, 10960, 1, 65534, "nobody", "S", 0, boot.plusMillis(85564000), List.of("sleep", "100")),
        new ContainerProcess(8, 10961, 1, 0, "root", "Z", 0, boot.plusMillis(85564010), List.of("[defunct]"))), ps,
        "oldest first; the parent outside the container is 0; a process gone meanwhile (10999) is left out");
  }

  @Test
  void runcPsPidsAreParsed() throws RuntimeFailure {
    assertEquals(List.of(10950L, 10960L), RuncJson.parsePids("[10950,10960]\n"));
    assertEquals(List.of(), RuncJson.parsePids("null\n"));
    assertThrows(RuntimeFailure.class, () -> RuncJson.parsePids("{\"pids\": 1}"));
  }
}
