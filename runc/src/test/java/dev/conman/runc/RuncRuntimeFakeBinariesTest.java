package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.runc.ContainerRuntime.CreateRequest;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RuncRuntime against shell scripts that answer the way runc 1.1.5 and conmon 2.1.6 did on
 * this host, so that the wiring (arguments, logs, error classification, sync FIFO) is tested
 * without root. The real binaries are exercised by the integration tests.
 */
class RuncRuntimeFakeBinariesTest {

  /** Strips runc's global options, logs each call, and fails like runc for some ids. */
  private static final String FAKE_RUNC = """
      #!/bin/sh
      log=""
      while [ $# -gt 0 ]; do
        case "$1" in
          --root) echo "root $2" >> "$CALLS"; shift 2;;
          --log) log="$2"; shift 2;;
          --log-format) shift 2;;
          *) break;;
        esac
      done
      echo "$*" >> "$CALLS"
      fail() {
        printf '{"level":"error","msg":"%s","time":"2026-11-28T19:45:09Z"}\\n' "$1" >> "$log"
        echo "$1" >&2
        exit 1
      }
      case "$1 $2" in
        "kill gone"|"state gone"|"delete gone"|"start gone") fail "container does not exist";;
        "kill stopped") fail "container not running";;
        "kill racing") fail "unable to signal init: os: process already finished";;
        "kill weird") fail "something else broke";;
        "delete running") fail "cannot delete container running that is not stopped: running";;
        "state x") printf '{"id":"x","pid":12,"status":"running","created":"2026-11-28T19:44:43.608994791Z"}\\n';;
        "list --format") echo null;;
        "start hang") sleep 10;;
      esac
      exit 0
      """;

  @TempDir Path dir;
  private Path calls;
  private RuntimePaths paths;

  @BeforeEach
  void setUp() {
    calls = dir.resolve("calls");
    paths = RuntimePaths.under(dir.resolve("state"));
  }

  private RuncRuntime runtime(String conmonScript, Duration timeout) throws IOException {
    Path runc = script("runc", FAKE_RUNC.replace("\"$CALLS\"", "'" + calls + "'"));
    Path conmon = script("conmon", conmonScript);
    return new RuncRuntime(runc, conmon, paths, timeout);
  }

  private RuncRuntime runtime() throws IOException {
    return runtime("#!/bin/sh\nexit 0\n", Duration.ofSeconds(5));
  }

  private Path script(String name, String content) throws IOException {
    Path file = dir.resolve(name);
    Files.writeString(file, content);
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwx------"));
    return file;
  }

  @Test
  void createsTheRuntimeDirectoriesPrivate() throws Exception {
    runtime();
    for (Path d : List.of(paths.runcRoot(), paths.exitDir(), paths.attachDir(), paths.conmonDir())) {
      assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(d)));
    }
  }

  @Test
  void killClassifiesRuncsNotRunningAnswers() throws Exception {
    RuncRuntime runtime = runtime();
    runtime.kill("ok", 15);
    for (String id : List.of("gone", "stopped", "racing")) {
      RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.kill(id, 9));
      assertEquals(RuntimeFailure.Kind.NOT_RUNNING, failure.kind(), id);
    }
    RuntimeFailure other = assertThrows(RuntimeFailure.class, () -> runtime.kill("weird", 9));
    assertEquals(RuntimeFailure.Kind.FAILED, other.kind());
    assertEquals("runc kill weird 9 failed with exit status 1: something else broke", other.getMessage());
    assertThrows(IllegalArgumentException.class, () -> runtime.kill("ok", 65));
    assertTrue(Files.readString(calls).contains("root " + paths.runcRoot()));
  }

  @Test
  void stateListAndDeleteMapRuncsAnswers() throws Exception {
    RuncRuntime runtime = runtime();
    assertEquals(Optional.empty(), runtime.state("gone"));
    assertEquals(RuntimeState.Status.RUNNING, runtime.state("x").orElseThrow().status());
    assertEquals(List.of(), runtime.list());
    runtime.delete("gone", false);
    runtime.delete("gone", true);
    RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.delete("running", false));
    assertTrue(failure.getMessage().contains("not stopped"), failure.getMessage());
    assertTrue(Files.readString(calls).contains("delete --force gone"));
    try (var left = Files.list(paths.conmonDir())) {
      assertEquals(List.of(), left.toList(), "per-call runc logs are removed");
    }
  }

  @Test
  void aHangingRuncTimesOut() throws Exception {
    RuncRuntime runtime = runtime("#!/bin/sh\nexit 0\n", Duration.ofMillis(300));
    RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.start("hang"));
    assertEquals(RuntimeFailure.Kind.TIMEOUT, failure.kind());
  }

  @Test
  void createReturnsThePidConmonReportsAndPassesItsArguments() throws Exception {
    Path args = dir.resolve("conmon-args");
    RuncRuntime runtime = runtime("#!/bin/sh\necho \"$@\" > '" + args + "'\n"
        + "echo \"$_OCI_SYNCPIPE\" >> '" + args + "'\nprintf '{\"data\": 4242}\\n' >&3\n",
        Duration.ofSeconds(5));
    assertEquals(4242, runtime.create(request("c1")));
    String argv = Files.readString(args);
    assertTrue(argv.startsWith("--api-version 1 -c c1 -u c1 -n name-c1 -r " + dir.resolve("runc")), argv);
    assertTrue(argv.contains("--exit-dir " + paths.exitDir()), argv);
    assertTrue(argv.contains("--runtime-arg --root=" + paths.runcRoot()), argv);
    assertTrue(argv.contains("-l k8s-file:" + dir.resolve("logs/c1.log")), argv);
    assertTrue(argv.endsWith("\n3\n"), argv);
    assertFalse(Files.exists(paths.syncFifo("c1")));
  }

  @Test
  void createFailsWithRuncsErrorAndAHintForAMissingCommand() throws Exception {
    RuncRuntime runtime = runtime("#!/bin/sh\nprintf '{\"data\": -1, \"message\": \"runc create failed: "
        + "unable to start container process: exec: \\\\\"/bin/nonexistent\\\\\": stat /bin/nonexistent: "
        + "no such file or directory\\\\n\"}\\n' >&3\n", Duration.ofSeconds(5));
    RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.create(request("c2")));
    assertEquals(RuntimeFailure.Kind.FAILED, failure.kind());
    assertTrue(failure.getMessage().startsWith("creating container c2 failed: runc create failed: "
        + "unable to start container process: exec: \"/bin/nonexistent\": stat /bin/nonexistent: "
        + "no such file or directory (the command must exist"), failure.getMessage());
    assertTrue(Files.readString(calls).contains("delete --force c2"), "cleans up in runc");
    assertFalse(Files.exists(paths.syncFifo("c2")));
  }

  @Test
  void createFailsWithConmonsOwnComplaint() throws Exception {
    RuncRuntime runtime = runtime("#!/bin/sh\necho 'conmon: Runtime path /x is not valid' >&2\nexit 1\n",
        Duration.ofSeconds(5));
    RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.create(request("c3")));
    assertEquals("creating container c3 failed: conmon exited with status 1; "
        + "conmon: conmon: Runtime path /x is not valid", failure.getMessage());
  }

  @Test
  void createTimesOutWhenConmonNeverReports() throws Exception {
    RuncRuntime runtime = runtime("#!/bin/sh\n(sleep 5 >/dev/null 2>&1 &)\nexit 0\n",
        Duration.ofMillis(500));
    long start = System.nanoTime();
    RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.create(request("c4")));
    assertEquals(RuntimeFailure.Kind.TIMEOUT, failure.kind());
    assertTrue(System.nanoTime() - start < 3_000_000_000L);
  }

  @Test
  void createRefusesAnIdRuncAlreadyHasAndABundleWithoutConfig() throws Exception {
    RuncRuntime runtime = runtime();
    Files.createDirectories(paths.runcRoot().resolve("c5"));
    RuntimeFailure exists = assertThrows(RuntimeFailure.class, () -> runtime.create(request("c5")));
    assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
    assertFalse(Files.exists(calls) && Files.readString(calls).contains("delete"));

    CreateRequest noConfig = new CreateRequest("c6", "n", dir.resolve("empty"), dir.resolve("l"), 0);
    assertTrue(assertThrows(RuntimeFailure.class, () -> runtime.create(noConfig))
        .getMessage().contains("config.json"));
  }

  @Test
  void readsAndForgetsExitFiles() throws Exception {
    RuncRuntime runtime = runtime();
    Files.writeString(paths.exitFile("e1"), "137");
    Files.writeString(paths.conmonPidFile("e1"), "1");
    Files.createSymbolicLink(paths.attachLink("e1"), dir);
    assertEquals(137, runtime.exitRecord("e1").orElseThrow().exitCode());
    assertEquals(Optional.empty(), runtime.exitRecord("e2"));
    runtime.forgetRuntimeFiles("e1");
    assertEquals(Optional.empty(), runtime.exitRecord("e1"));
    assertFalse(Files.exists(paths.conmonPidFile("e1")));
    assertFalse(Files.exists(paths.attachLink("e1"), java.nio.file.LinkOption.NOFOLLOW_LINKS));
    assertTrue(Files.isDirectory(dir), "the link's target stays");
    runtime.forgetRuntimeFiles("e1");
  }

  private CreateRequest request(String id) throws IOException {
    Path bundle = dir.resolve("bundles").resolve(id);
    BundleWriter.write(bundle, new BundleSpec(List.of("true"), List.of(), "/", dir.resolve("rootfs"),
        false, null));
    return new CreateRequest(id, "name-" + id, bundle, dir.resolve("logs").resolve(id + ".log"), 0);
  }
}
