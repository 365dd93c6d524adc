package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CommandRunnerTest {

  private final CommandRunner runner = new CommandRunner();

  @Test
  void killsAProcessThatOverrunsItsTimeout() {
    long start = System.nanoTime();
    RuntimeFailure failure = assertThrows(RuntimeFailure.class,
        () -> runner.run(Command.of("sleep", "5"), Duration.ofMillis(200)));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    assertEquals(RuntimeFailure.Kind.TIMEOUT, failure.kind());
    assertTrue(failure.getMessage().contains("sleep 5"), failure.getMessage());
    assertTrue(elapsedMillis < 2000, "took " + elapsedMillis + " ms");
  }

  @Test
  void killsTheDescendantsOfATimedOutProcessToo(@TempDir Path dir) throws Exception {
    Path pidFile = dir.resolve("pid");
    assertThrows(RuntimeFailure.class, () -> runner.run(
        Command.of("sh", "-c", "sleep 30 & echo $! > " + pidFile + "; wait"), Duration.ofMillis(300)));
    long child = Long.parseLong(Files.readString(pidFile).strip());
    assertTrue(deadOrZombie(child), "the grandchild was not killed");
  }

  /** A killed orphan stays a zombie until this container's init gets round to reaping it. */
  private static boolean deadOrZombie(long pid) throws Exception {
    Path status = Path.of("/proc/" + pid + "/status");
    for (int i = 0; i < 50; i++) {
      try {
        if (Files.readAllLines(status).stream().anyMatch(l -> l.startsWith("State:") && l.contains("Z"))) {
          return true;
        }
      } catch (java.nio.file.NoSuchFileException e) {
        return true;
      }
      Thread.sleep(20);
    }
    return false;
  }

  @Test
  void capturesBothStreamsAndTheExitStatus() throws Exception {
    CommandResult result = runner.run(
        Command.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(5));
    assertEquals(3, result.exitCode());
    assertFalse(result.ok());
    assertEquals("out\n", result.stdout());
    assertEquals("err\n", result.stderr());
  }

  @Test
  void doesNotDeadlockOnLargeOutputOnBothStreams() throws Exception {
    CommandResult result = runner.run(Command.of("sh", "-c",
        "head -c 1000000 /dev/zero | tr '\\0' e >&2; head -c 1000000 /dev/zero | tr '\\0' o"),
        Duration.ofSeconds(10));
    assertTrue(result.ok());
    assertEquals(1_000_000, result.stdout().length());
    assertEquals(1_000_000, result.stderr().length());
  }

  @Test
  void passesEnvironment() throws Exception {
    CommandResult result = runner.run(new Command(List.of("sh", "-c", "echo $FOO; echo e >&2"),
        Map.of("FOO", "bar")), Duration.ofSeconds(5));
    assertTrue(result.ok());
    assertEquals("bar\n", result.stdout());
    assertEquals("e\n", result.stderr());
  }

  @Test
  void childrenRunInTheCUtf8LocaleWhateverTheDaemonHas() throws Exception {
    CommandResult result = runner.run(Command.of("sh", "-c", "echo $LC_ALL"), Duration.ofSeconds(5));
    assertEquals("C.UTF-8\n", result.stdout());
    assertEquals("C.UTF-8", ChildEnvironment.inCUtf8Locale(Map.of("LANG", "de_DE.UTF-8", "LC_ALL", "fr_FR.UTF-8")).get("LC_ALL"));
  }

  @Test
  void anExtraEntryIsAddedToTheDaemonsEnvironmentAndOneThatReplacesAnEntryAppearsOnce() throws Exception {
    CommandResult added = runner.run(new Command(List.of("sh", "-c", "echo $EXTRA_ONE; env | grep -c '^LC_ALL='"),
        Map.of("EXTRA_ONE", "1")), Duration.ofSeconds(5));
    assertEquals("1\n1\n", added.stdout());
    CommandResult replaced = runner.run(new Command(List.of("sh", "-c", "env | grep '^LC_ALL='; echo ${PATH:+path}"),
        Map.of("LC_ALL", "POSIX")), Duration.ofSeconds(5));
    assertEquals("LC_ALL=POSIX\npath\n", replaced.stdout(), "the daemon's other entries are kept");
  }

  @Test
  void aMissingProgramFailsClearly() {
    RuntimeFailure failure = assertThrows(RuntimeFailure.class,
        () -> runner.run(Command.of("/nonexistent/prog"), Duration.ofSeconds(1)));
    assertEquals(RuntimeFailure.Kind.FAILED, failure.kind());
    assertTrue(failure.getMessage().contains("prog"), failure.getMessage());
  }

  @Test
  void findsAProgramWithoutASlashInPath() throws Exception {
    assertEquals("x\n", runner.run(Command.of("echo", "x"), Duration.ofSeconds(5)).stdout());
  }

  @Test
  void reportsTheSignalThatKilledTheChild() throws Exception {
    assertEquals(128 + 9, runner.run(Command.of("sh", "-c", "kill -9 $$"), Duration.ofSeconds(5)).exitCode());
  }

  @Test
  void aDescendantThatKeepsTheOutputOpenDoesNotHoldTheCallerPastTheGrace() throws Exception {
    long start = System.nanoTime();
    CommandResult result = runner.run(Command.of("sh", "-c", "echo before; sleep 3 & echo after"),
        Duration.ofMillis(100));
    long elapsedMillis = (System.nanoTime() - start) / 1_000_000;
    assertTrue(result.ok(), "the child itself exited: " + result);
    assertEquals("before\nafter\n", result.stdout());
    assertTrue(elapsedMillis < 2000, "took " + elapsedMillis + " ms");
  }

  @Test
  void anInterruptedCallerKillsTheChildAndFails() throws Exception {
    java.util.concurrent.atomic.AtomicReference<Throwable> thrown = new java.util.concurrent.atomic.AtomicReference<>();
    Thread caller = new Thread(() -> {
      try {
        runner.run(Command.of("sleep", "5"), Duration.ofSeconds(10));
      } catch (Throwable t) {
        thrown.set(t);
      }
    });
    long start = System.nanoTime();
    caller.start();
    Thread.sleep(200);
    caller.interrupt();
    caller.join(3000);
    assertFalse(caller.isAlive());
    assertTrue((System.nanoTime() - start) / 1_000_000 < 2000);
    RuntimeFailure failure = assertInstanceOf(RuntimeFailure.class, thrown.get());
    assertEquals(RuntimeFailure.Kind.FAILED, failure.kind());
    assertTrue(failure.getMessage().contains("interrupted"), failure.getMessage());
  }
}
