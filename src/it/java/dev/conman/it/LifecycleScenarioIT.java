package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The README's scenario, typed as a user would with bin/conmanctl: create, status, start, status,
 * SIGKILL the daemon, restart it, list (the container still runs with the same pid), then stop and
 * delete, addressing the container by full id, unique id prefix and name.
 */
class LifecycleScenarioIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  private static final Pattern ID = Pattern.compile("[0-9a-f]{64}");
  private static final Pattern TIME = Pattern.compile("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d.*");

  @Test
  void readmeScenarioSurvivesDaemonSigkill() {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("cont1");

    Exec.Result created = ok(ctl("container", "create", "--image", conman.rootfs().toString(), name, "--",
        "/bin/sleep", "100"));
    String id = created.stdout().strip();
    assertTrue(ID.matcher(id).matches(), () -> "create should print the new id, printed: " + created);

    Exec.Result status = ok(ctl("container", "status", id));
    assertEquals("CREATED", field(status, "State"));
    assertEquals(name, field(status, "Name"));

    ok(ctl("container", "start", id));
    status = ok(ctl("container", "status", id));
    assertEquals("RUNNING", field(status, "State"));
    long pid = Long.parseLong(field(status, "PID"));
    assertTrue(pid > 1 && Support.processExists(pid), "the container's pid " + pid + " should be a live process");
    String createdAt = field(status, "Created");
    String startedAt = field(status, "Started");
    assertTrue(TIME.matcher(createdAt).matches(), "created time: " + createdAt);
    assertTrue(TIME.matcher(startedAt).matches(), "started time: " + startedAt);
    assertEquals("-", field(status, "Finished"));

    daemon.kill9();
    assertTrue(Support.processExists(pid), "the container must survive the daemon's SIGKILL");
    daemon.restart();

    Exec.Result list = ok(ctl("container", "list"));
    List<String> row = row(list, name);
    assertEquals(id.substring(0, 12), row.get(0), () -> "ID column: " + list);
    assertEquals("RUNNING", row.get(2), () -> "after the restart: " + list);
    assertEquals(Long.toString(pid), row.get(3), () -> "same pid after the restart: " + list);

    // by unique id prefix, and by name
    assertEquals(id, field(ok(ctl("container", "status", id.substring(0, 12))), "ID"));
    assertEquals(id, field(ok(ctl("container", "status", name)), "ID"));

    // sleep as the pid namespace's init ignores SIGTERM: the stop ends with SIGKILL after 1 s
    ok(ctl("container", "stop", "--timeout", "1", name));
    status = ok(ctl("container", "status", id.substring(0, 8)));
    assertEquals("EXITED", field(status, "State"));
    assertEquals("137", field(status, "Exit code"));
    String finishedAt = field(status, "Finished");
    assertTrue(TIME.matcher(finishedAt).matches(), "finished time after stop: " + finishedAt);
    assertFalse(Support.processExists(pid) && !isZombie(pid), "the container process should be gone");

    Exec.Result deleted = ok(ctl("container", "delete", id.substring(0, 10)));
    assertTrue(deleted.stdout().contains(id), () -> "delete should print the id: " + deleted);
    Exec.Result gone = ctl("container", "status", name);
    assertEquals(3, gone.exitCode(), () -> "status of a deleted container: NOT_FOUND (exit 3): " + gone);
    assertFalse(gone.stderr().isBlank(), "an error message on stderr");
    assertFalse(ok(ctl("container", "list")).stdout().contains(name), "the list no longer shows it");
    assertFalse(daemon.runcContainers().contains(id), "runc no longer knows it");
  }

  private Exec.Result ctl(String... args) {
    Path launcher = ConmanDaemon.repoRoot().resolve("bin/conmanctl");
    Path jar = ConmanDaemon.repoRoot().resolve("cli/target/conmanctl.jar");
    if (!Files.isRegularFile(jar)) {
      fail(jar + " is missing: build the CLI first (mvn -pl cli -am package)");
    }
    List<String> command = new ArrayList<>(List.of(launcher.toString(), "--socket", conman.daemon().socket().toString()));
    command.addAll(List.of(args));
    return Exec.run(Duration.ofSeconds(60), ConmanDaemon.processBuilder(command));
  }

  private static Exec.Result ok(Exec.Result r) {
    assertEquals(0, r.exitCode(), () -> "conmanctl failed: " + r);
    return r;
  }

  /** The value of a "Key: value" line of {@code container status}. */
  private static String field(Exec.Result status, String key) {
    Matcher m = Pattern.compile("(?m)^" + Pattern.quote(key) + ":[ \\t]*(.*?)[ \\t]*$").matcher(status.stdout());
    if (!m.find()) {
      fail("no '" + key + ":' line in the status output:\n" + status.stdout());
    }
    return m.group(1);
  }

  /** The columns of the list table's row for container {@code name}. */
  private static List<String> row(Exec.Result list, String name) {
    for (String line : list.stdout().lines().toList()) {
      List<String> cols = List.of(line.strip().split("\\s+"));
      if (cols.size() > 3 && cols.get(1).equals(name)) {
        assertNotEquals("ID", cols.get(0));
        return cols;
      }
    }
    return fail("no row for " + name + " in:\n" + list.stdout());
  }

  private static boolean isZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      return stat.substring(stat.lastIndexOf(')') + 2).startsWith("Z");
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
