package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * docker's --sig-proxy with real runc, conmon and conmanctl: the SIGINT a terminal sends on Ctrl-C
 * reaches conmanctl's JVM (here sent to it alone), goes to the container, and conmanctl exits with
 * the container's exit code; an init that ignores it leaves conmanctl waiting until the third.
 */
class SigProxyIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  @TempDir Path dir;

  /** A script that says "ready" and then exits 7 on SIGINT. */
  private static final String TRAPS_INT =
      "/bin/sh -c 'trap \"echo got INT; exit 7\" INT; echo ready; while :; do sleep 0.1; done'";

  @Test
  void ctrlCOfRunReachesTheContainerAndRunExitsWithItsCode() throws Exception {
    try (Foreground run = run("--rm", conman.name("trap"), TRAPS_INT)) {
      run.signal("INT");
      assertEquals(7, run.awaitExit(), run::toString);
      assertEquals("ready\ngot INT\n", run.stdout(), run::toString);
    }
  }

  @Test
  void anInitThatIgnoresItHoldsConmanctlUntilTheThirdAndRunsOn() throws Exception {
    String name = conman.name("deaf");
    try (Foreground run = run("", name, "/bin/sh -c 'echo ready; exec sleep 300'")) {
      run.signal("INT");
      run.signal("TERM");
      assertTrue(!run.process.waitFor(1, TimeUnit.SECONDS), "still waiting after two: " + run);
      run.signal("INT");
      assertEquals(130, run.awaitExit(), run::toString);
      assertTrue(run.stderr().contains("got 3 SIGINT/SIGTERM; exiting, container"), run::toString);
      assertEquals(ContainerState.CONTAINER_STATE_RUNNING, state(name), "the container runs on");
    } finally {
      conman.forceDelete(name);
    }
  }

  @Test
  void withoutTheProxyCtrlCEndsConmanctlAtOnce() throws Exception {
    String name = conman.name("noproxy");
    try (Foreground run = run("--sig-proxy=false", name, TRAPS_INT)) {
      run.signal("INT");
      assertEquals(130, run.awaitExit(), run::toString);
      assertEquals(ContainerState.CONTAINER_STATE_RUNNING, state(name), "the signal was not sent");
    } finally {
      conman.forceDelete(name);
    }
  }

  @Test
  void ctrlCOfAttachReachesTheContainerToo() throws Exception {
    String name = conman.name("attached");
    String id = conman.startShell(name, "trap 'echo got INT; exit 7' INT; while :; do sleep 0.1; done");
    try (Foreground attach = Foreground.start(dir, conman.conmanctl() + " attach " + name)) {
      // attached once the daemon has journaled it: then a signal cannot come before the session
      Support.await("attached", Duration.ofSeconds(30), () -> dev.conman.api.v1.EventServiceGrpc.newBlockingStub(
          conman.daemon().channel()).history(dev.conman.api.v1.HistoryRequest.newBuilder().setRef(id).build())
          .getEventsList().stream().anyMatch(e -> e.getType().equals("attached")));
      attach.signal("INT");
      assertEquals(7, attach.awaitExit(), attach::toString);
      assertEquals("got INT\n", attach.stdout(), attach::toString);
    } finally {
      conman.forceDelete(id);
    }
  }

  /** conmanctl run in the foreground, once the container has said "ready". */
  private Foreground run(String options, String name, String command) throws IOException {
    Foreground run = Foreground.start(dir, conman.conmanctl() + " run " + options + " --image " + conman.rootfs()
        + " " + name + " -- " + command);
    run.awaitOutput("ready");
    return run;
  }

  private static ContainerState state(String name) {
    return conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(name).build())
        .getContainer().getState();
  }

  /** conmanctl in the background, its output in files; signals go to its JVM. */
  private record Foreground(Process process, Path out, Path err) implements AutoCloseable {

    static Foreground start(Path dir, String command) throws IOException {
      Path out = Files.createTempFile(dir, "out", ".txt");
      Path err = Files.createTempFile(dir, "err", ".txt");
      // as from a terminal: a build run as a background job (nohup mvn ... &) has SIGINT ignored,
      // which every exec passes on, and a JVM leaves an ignored SIGINT alone (so does a shell)
      Process p = new ProcessBuilder("perl", "-e", "$SIG{INT} = $SIG{TERM} = 'DEFAULT'; exec @ARGV or die",
          "/bin/sh", "-c", "exec " + command)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
          .redirectOutput(out.toFile()).redirectError(err.toFile()).start();
      return new Foreground(p, out, err);
    }

    void awaitOutput(String line) {
      Support.await("conmanctl's output " + line, Duration.ofSeconds(30), () -> stdout().contains(line + "\n"));
    }

    void signal(String signal) throws Exception {
      // bin/conmanctl execs the JVM once its class-data archive exists, and runs it as a child before
      long jvm = java.util.stream.Stream.concat(java.util.stream.Stream.of(process.toHandle()), process.descendants())
          .filter(h -> h.info().command().orElse("").endsWith("java")).findFirst()
          .orElseThrow(() -> new AssertionError("no JVM under " + process.pid())).pid();
      Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(jvm)).start();
      assertEquals(0, kill.waitFor(), "kill -" + signal);
      Thread.sleep(300); // each its own: signals of one kind that arrive together are merged
    }

    int awaitExit() throws InterruptedException {
      assertTrue(process.waitFor(30, TimeUnit.SECONDS), this::toString);
      return process.exitValue();
    }

    @Override
    public void close() {
      process.destroyForcibly();
    }

    String stdout() {
      return read(out);
    }

    String stderr() {
      return read(err);
    }

    private static String read(Path file) {
      try {
        return Files.readString(file, StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(unreadable: " + e + ")";
      }
    }

    @Override
    public String toString() {
      return "conmanctl: stdout [" + stdout() + "] stderr [" + stderr() + "]";
    }
  }
}
