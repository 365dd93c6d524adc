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
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * RuncRuntime against shell scripts that answer the way runc 1.1.5 and conmon 2.1.6 did on
 * this host, so that the wiring (arguments, logs, error classification, sync pipe) is tested
 * without root. The real binaries are exercised by the integration tests.
 */
class RuncRuntimeFakeBinariesTest {

  /**
   * Strips runc's global options, logs each call, and fails like runc for some ids: the JSON log
   * line goes to --log, or to stderr without one, then the plain message to stderr.
   */
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
        printf '{"level":"error","msg":"%s","time":"2026-11-28T19:45:09Z"}\\n' "$1" >> "${log:-/dev/stderr}"
        echo "$1" >&2
        exit 1
      }
      exec_failed() {
        printf '{"level":"error","msg":"exec failed: unable to start container process: %s"}\\n' "$1" >> "$log"
        exit 255
      }
      case "$1 $2" in
        "kill gone"|"state gone"|"delete gone"|"start gone") fail "container does not exist";;
        "kill stopped") fail "container not running";;
        "kill racing") fail "unable to signal init: os: process already finished";;
        "kill weird") fail "something else broke";;
        "pause paused") fail "container not running";;
        "resume running") fail "container not paused";;
        "pause broken") fail "unable to freeze";;
        "delete running") fail "cannot delete container running that is not stopped: running";;
        "state x") printf '{"id":"x","pid":12,"status":"running","created":"2026-11-28T19:44:43.608994791Z"}\\n';;
        "list --format") echo null;;
        "start hang") sleep 10;;
      esac
      case "$*" in
        "events --stats x") cat "$CALLS".stats;;
        "events --stats stopped") fail "container with id stopped is not running";;
        "events --stats gone") fail "container does not exist";;
        "events --stats broken") fail "something else broke";;
        "update --memory=7340032 busy") fail "unable to set memory limit to 7340032 (current usage: 9000000, peak usage: 9000000)";;
        "update --memory=33554432 small-swap") fail "failed to write 33554432: write /sys/fs/cgroup/memory/conman/small-swap/memory.limit_in_bytes: invalid argument";;
        "update --pids-limit=5 stopped") fail "container not running";;
        "exec --pid-file "*" --tty tty1 /bin/sh") tty; stty size; exit 4;;
        "exec --pid-file "*" gone /bin/nonexistent") exec_failed 'exec: \\"/bin/nonexistent\\": stat /bin/nonexistent: no such file or directory';;
        "exec --pid-file "*" gone /etc/passwd") exec_failed 'exec: \\"/etc/passwd\\": permission denied';;
        "exec --pid-file "*" gone /bin/false") exit 255;;
        "exec --pid-file "*" gone /bin/sleep") echo $$ > "$3"; sleep 5;;
        "exec --pid-file "*" --tty tty2 /bin/sh") trap 'stty size; exit 5' WINCH; echo ready; while :; do sleep 0.05; done;;
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
    Files.writeString(Path.of(calls + ".stats"), StatsAndOomTest.capturedV1());
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

  private static String readAll(java.io.InputStream in) throws IOException {
    return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void execWithATerminalRunsRuncInTheForegroundOnTheDaemonsPseudoTerminal() throws Exception {
    RuncRuntime r = runtime();
    ExecProcess p = r.exec("tty1", "e1", new ContainerRuntime.ExecRequest(List.of("/bin/sh"), List.of(), "", true, 30, 100));
    assertTrue(p.terminal());
    assertEquals(4, p.waitFor());
    String out = readAll(p.stdout());
    assertTrue(out.matches("/dev/pts/\\d+\n30 100\n"), out);
    p.release();
  }

  @Test
  void pauseAndResumeAreRuncsAndSayWhenTheContainerIsNotInTheStateForThem() throws Exception {
    RuncRuntime r = runtime();
    r.pause("c1");
    r.resume("c1");
    assertTrue(Files.readString(calls).contains("pause c1\nroot " + paths.runcRoot() + "\nresume c1\n"),
        Files.readString(calls));
    assertEquals(RuntimeFailure.Kind.NOT_RUNNING, assertThrows(RuntimeFailure.class, () -> r.pause("paused")).kind());
    assertEquals(RuntimeFailure.Kind.NOT_RUNNING, assertThrows(RuntimeFailure.class, () -> r.resume("running")).kind());
    RuntimeFailure broken = assertThrows(RuntimeFailure.class, () -> r.pause("broken"));
    assertEquals(RuntimeFailure.Kind.FAILED, broken.kind());
    assertTrue(broken.getMessage().contains("unable to freeze"), broken.getMessage());
  }

  @Test
  void anExecWhoseCommandCannotStartEndsAsInAShell() throws Exception {
    RuncRuntime r = runtime();
    ExecProcess missing = r.exec("gone", "e3", execOf("/bin/nonexistent"));
    assertEquals(127, missing.waitFor(), "not found: ended before it ran");
    ExecProcess denied = r.exec("gone", "e4", execOf("/etc/passwd"));
    assertTrue(denied.waitFor(5, java.util.concurrent.TimeUnit.SECONDS));
    assertEquals(126, denied.waitFor(), "the status is kept once the log is gone");
    ExecProcess own = r.exec("gone", "e5", execOf("/bin/false"));
    assertEquals(255, own.waitFor(), "the process's own 255");
    assertTrue(Files.readString(calls).contains("exec --pid-file " + paths.execPidFile("gone", "e3") + " gone"));
    assertFalse(Files.exists(paths.execLog("gone", "e3")), "the log is removed");
  }

  /** A conmon that reads its arguments, reports {@code report} on its sync pipe and runs {@code then}. */
  private static String fakeExecConmon(Path args, String report, String then) {
    return "#!/bin/sh\necho \"$@\" > '" + args + "'\n"
        + "while [ $# -gt 0 ]; do case $1 in -c) c=$2;; --exit-dir) e=$2;; -P) p=$2;;"
        + " --runtime-arg) case $2 in --log=*) l=${2#--log=};; esac;; esac; shift; done\n"
        + "echo $$ > \"$p\"; " + then + "\nprintf '" + report + "\\n' >&3\n";
  }

  /** Container c9's bundle, where conmon's attach link leads. */
  private void bundleOfC9() throws IOException {
    Path bundle = dir.resolve("bundles/c9");
    BundleWriter.write(bundle, "c9", new BundleSpec(List.of("/bin/sleep", "9"), List.of("A=1", "B=2"), "/",
        dir.resolve("rootfs"), false, null));
    Files.createSymbolicLink(paths.attachLink("c9"), bundle);
  }

  @Test
  void aDetachedExecRunsUnderConmonWithTheContainersProcessAndIsFoundEndedLater() throws Exception {
    Path args = dir.resolve("conmon-args");
    RuncRuntime r = runtime(fakeExecConmon(args, "{\"data\": 77}", "echo 3 > \"$e/$c\""), Duration.ofSeconds(5));
    bundleOfC9();
    assertEquals(77, r.execDetached("c9", "s1",
        new ContainerRuntime.ExecRequest(List.of("env"), List.of("B=3", "C=4"), "/tmp"), 4));
    String argv = Files.readString(args);
    assertTrue(argv.contains("-c c9 ") && argv.contains(" -u s1 ") && argv.contains(" --exec --exec-process-spec ")
        && argv.contains(" -T 4"), argv);
    var process = new com.fasterxml.jackson.databind.ObjectMapper().readTree(
        paths.execSessionDir("s1").resolve("process.json").toFile());
    assertEquals("[\"env\"]", process.path("args").toString());
    List<String> env = new java.util.ArrayList<>();
    process.path("env").forEach(e -> env.add(e.asText()));
    assertTrue(env.contains("A=1") && env.contains("B=3") && env.contains("C=4") && !env.contains("B=2"), env::toString);
    assertEquals("/tmp", process.path("cwd").asText());
    assertFalse(process.path("terminal").asBoolean());
    assertTrue(process.has("capabilities"), "the container's own settings: " + process);

    assertEquals(Optional.of(3), r.detachedExecExit("c9", "s1"));
    assertEquals(List.of(new ContainerRuntime.DetachedExec("c9", "s1", ContainerRuntime.DetachedExec.State.ENDED, 3)),
        r.detachedExecs(), "what the next daemon finds");
    r.forgetDetachedExec("s1");
    assertFalse(Files.exists(paths.execSessionDir("s1")));
  }

  @Test
  void aDetachedExecWhoseCommandCannotRunFailsAsInAShellAndLeavesNothing() throws Exception {
    Path args = dir.resolve("conmon-args");
    RuncRuntime r = runtime(fakeExecConmon(args, "{\"data\": -1, \"message\": \"exec failed\"}",
        "printf '{\"level\":\"error\",\"msg\":\"exec failed: unable to start container process: exec: "
            + "\\\\\"nope\\\\\": executable file not found in $PATH\"}\\n' > \"$l\""), Duration.ofSeconds(5));
    bundleOfC9();
    RuntimeFailure e = assertThrows(RuntimeFailure.class, () -> r.execDetached("c9", "s2", execOf("nope"), 0));
    assertEquals(RuntimeFailure.Kind.COMMAND_NOT_FOUND, e.kind(), e::getMessage);
    assertEquals(127, e.commandStatus().getAsInt());
    assertFalse(Files.exists(paths.execSessionDir("s2")), "nothing of the session stays");
    assertFalse(Files.readString(args).contains(" -T "), "no timeout");
  }

  @Test
  void aSessionWhoseConmonDiedWithoutAnExitIsLost() throws Exception {
    RuncRuntime r = runtime(fakeExecConmon(dir.resolve("args"), "{\"data\": 5}", "true"), Duration.ofSeconds(5));
    bundleOfC9();
    r.execDetached("c9", "s3", execOf("sleep"), 0);
    assertEquals(List.of(new ContainerRuntime.DetachedExec("c9", "s3", ContainerRuntime.DetachedExec.State.LOST, null)),
        r.detachedExecs(), "its conmon (the script) has ended, with no exit file");
  }

  private static ContainerRuntime.ExecRequest execOf(String command) {
    return new ContainerRuntime.ExecRequest(List.of(command), List.of(), "", false, 0, 0);
  }

  @Test
  void aResizeIsSignalledToRunc() throws Exception {
    RuncRuntime r = runtime();
    ExecProcess p = r.exec("tty2", "e2", new ContainerRuntime.ExecRequest(List.of("/bin/sh"), List.of(), "", true, 0, 0));
    byte[] ready = new byte[6];
    assertEquals(6, p.stdout().readNBytes(ready, 0, 6));
    p.resize(40, 120);
    assertEquals(5, p.waitFor());
    assertEquals("40 120\n", readAll(p.stdout()));
    p.release();
    assertThrows(IllegalArgumentException.class, () -> new ContainerRuntime.ExecRequest(List.of("/bin/sh"),
        List.of(), "", true, 70000, 1));
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
  void aCreatedContainerStartsWithoutARuncProcessAndAStuckOneTimesOut() throws Exception {
    RuncRuntime runtime = runtime("#!/bin/sh\nexit 0\n", Duration.ofMillis(300));
    Process init = WaitingInit.start(paths.runcDir("c1"), "printf 0 >&3; exec 3>&-; exec sleep 30");
    Process stuck = WaitingInit.start(paths.runcDir("c2"), "printf 0 >&3; exec sleep 30");
    try {
      runtime.start("c1");
      RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.start("c2"));
      assertEquals(RuntimeFailure.Kind.TIMEOUT, failure.kind());
      assertTrue(failure.getMessage().contains("did not start within 300 ms"), failure.getMessage());
      assertFalse(Files.exists(calls), "no runc process for either");
    } finally {
      init.destroyForcibly();
      stuck.destroyForcibly();
    }
  }

  @Test
  void createReturnsThePidConmonReportsAndPassesItsArguments() throws Exception {
    Path args = dir.resolve("conmon-args");
    RuncRuntime runtime = runtime("#!/bin/sh\necho \"$@\" > '" + args + "'\n"
        + "echo \"$_OCI_SYNCPIPE\" >> '" + args + "'\nprintf '{\"data\": 4242}\\n' >&3\n",
        Duration.ofSeconds(5));
    assertEquals(4242, runtime.create(request("c1")));
    String argv = Files.readString(args);
    assertTrue(argv.startsWith("--api-version 1 -c c1 -r " + dir.resolve("runc")), argv);
    assertTrue(argv.contains(" -u c1 -n name-c1 "), argv);
    assertTrue(argv.contains("--exit-dir " + paths.exitDir()), argv);
    assertTrue(argv.contains("--runtime-arg --root=" + paths.runcRoot()), argv);
    assertTrue(argv.contains("-l k8s-file:" + dir.resolve("logs/c1.log")), argv);
    assertTrue(argv.contains(" --no-sync-log "), "an exit does not wait for the log's fsync: " + argv);
    assertTrue(argv.endsWith("\n3\n"), argv);
  }

  @Test
  void aTerminalWithStdinIsConmonsDashTAndDashIAndStdinStaysOpenAcrossDetaches() throws Exception {
    Path args = dir.resolve("conmon-args");
    RuncRuntime runtime = runtime("#!/bin/sh\necho \"$@\" > '" + args + "'\nprintf '{\"data\": 7}\\n' >&3\n",
        Duration.ofSeconds(5));
    CreateRequest plain = request("c9");
    runtime.create(new CreateRequest("c9", "n", plain.bundle(), plain.logPath(), 0, new StdioMode(true, true, false)));
    String argv = Files.readString(args);
    assertTrue(argv.contains(" -t -i --leave-stdin-open"), argv);

    CreateRequest once = request("c10");
    runtime.create(new CreateRequest("c10", "n", once.bundle(), once.logPath(), 0, new StdioMode(false, true, true)));
    argv = Files.readString(args);
    assertTrue(argv.strip().endsWith(" -i"), argv);

    runtime.create(request("c11"));
    argv = Files.readString(args);
    assertFalse(argv.contains(" -i") || argv.contains(" -t"), argv);
  }

  @Test
  void createGivesConmonAFreshPersistDirAndPutsTheCgroupUnderConman() throws Exception {
    Path args = dir.resolve("conmon-args");
    RuncRuntime runtime = runtime("#!/bin/sh\necho \"$@\" > '" + args + "'\nprintf '{\"data\": 1}\\n' >&3\n",
        Duration.ofSeconds(5));
    Files.createDirectories(paths.persistDir("c7"));
    Files.writeString(paths.persistDir("c7").resolve("oom"), "");
    Files.writeString(paths.exitFile("c7"), "137");
    Files.writeString(paths.createLog("c7"), "{\"level\":\"error\",\"msg\":\"an old error\"}\n");
    CreateRequest request = request("c7");
    assertEquals(1, runtime.create(request));
    assertTrue(Files.readString(args).contains("--persist-dir " + paths.persistDir("c7") + " "),
        Files.readString(args));
    try (var left = Files.list(paths.persistDir("c7"))) {
      assertEquals(List.of(), left.toList(), "an oom of an earlier life is gone");
    }
    assertFalse(Files.exists(paths.exitFile("c7")), "an exit of an earlier life would end this one");
    assertFalse(Files.exists(paths.createLog("c7")), "its errors are not this create's");
    String config = Files.readString(request.bundle().resolve("config.json"));
    assertTrue(config.contains("\"cgroupsPath\":\"/conman/c7\""), config);
  }

  @Test
  void aCgroupPathInTheConfigIsKept() throws Exception {
    RuncRuntime runtime = runtime("#!/bin/sh\nprintf '{\"data\": 1}\\n' >&3\n", Duration.ofSeconds(5));
    Path bundle = dir.resolve("bundles").resolve("c8");
    BundleWriter.write(bundle, "other", new BundleSpec(List.of("true"), List.of(), "/", dir.resolve("rootfs"),
        false, null));
    runtime.create(new CreateRequest("c8", "n", bundle, dir.resolve("logs/c8.log"), 0));
    assertTrue(Files.readString(bundle.resolve("config.json")).contains("/conman/other"));
  }

  @Test
  void exitRecordsTellAnOomKillFromConmonsFileOrTheCgroupsCounter() throws Exception {
    RuncRuntime runtime = runtime();
    Files.writeString(paths.exitFile("o1"), "137");
    assertFalse(runtime.exitRecord("o1").orElseThrow().oomKilled());
    Files.createDirectories(paths.persistDir("o1"));
    Files.writeString(paths.persistDir("o1").resolve("oom"), "");
    ExitRecord oom = runtime.exitRecord("o1").orElseThrow();
    assertEquals(137, oom.exitCode());
    assertTrue(oom.oomKilled());

    // conmon missed it, the cgroup (still there before runc delete) counted it
    Files.writeString(paths.exitFile("o2"), "0");
    Path memory = Files.createDirectories(dir.resolve("cgroup/memory/conman/o2"));
    Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 0\n");
    Files.createDirectories(paths.runcDir("o2"));
    Files.writeString(paths.runcDir("o2").resolve("state.json"),
        "{\"id\":\"o2\",\"cgroup_paths\":{\"memory\":\"" + memory + "\"}}");
    assertFalse(runtime.exitRecord("o2").orElseThrow().oomKilled());
    Files.writeString(memory.resolve("memory.oom_control"), "oom_kill_disable 0\nunder_oom 0\noom_kill 1\n");
    assertTrue(runtime.exitRecord("o2").orElseThrow().oomKilled());
    assertEquals(new ExitRecord(0, Instant.EPOCH), new ExitRecord(0, Instant.EPOCH, false));

    runtime.forgetRuntimeFiles("o1");
    assertFalse(Files.exists(paths.persistDir("o1")));
    assertEquals(Optional.empty(), runtime.exitRecord("o1"));
    runtime.forgetRuntimeFiles("o1");
  }

  @Test
  void statsComeFromRuncEventsAndAreEmptyForStoppedContainers() throws Exception {
    RuncRuntime runtime = runtime();
    ContainerStats stats = runtime.stats("x").orElseThrow();
    assertEquals(1_018_058_792L, stats.cpuNanos());
    assertEquals(16L << 20, stats.memoryLimitBytes());
    assertEquals(Optional.empty(), runtime.stats("stopped"));
    assertEquals(Optional.empty(), runtime.stats("gone"));
    RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.stats("broken"));
    assertTrue(failure.getMessage().contains("something else broke"), failure.getMessage());
  }

  @Test
  void updatePassesTheSetLimitsAndReportsRuncsError() throws Exception {
    RuncRuntime runtime = runtime();
    runtime.update("u1", Resources.cpus(0.5).withMemory(32L << 20).withMemorySwap(-1L).withCpuShares(256L)
        .withPidsLimit(20L).withCpusetCpus("0"));
    assertTrue(Files.readString(calls).contains("update --memory=33554432 --memory-swap=-1 --cpu-period=100000 "
        + "--cpu-quota=50000 --cpu-share=256 --pids-limit=20 --cpuset-cpus=0 u1"), Files.readString(calls));

    RuntimeFailure busy = assertThrows(RuntimeFailure.class,
        () -> runtime.update("busy", Resources.NONE.withMemory(7L << 20)));
    assertEquals(RuntimeFailure.Kind.FAILED, busy.kind());
    assertTrue(busy.getMessage().contains("unable to set memory limit to 7340032 (current usage"), busy.getMessage());

    RuntimeFailure swap = assertThrows(RuntimeFailure.class,
        () -> runtime.update("small-swap", Resources.NONE.withMemory(32L << 20)));
    assertTrue(swap.getMessage().contains("update --memory-swap too"), swap.getMessage());

    RuntimeFailure stopped = assertThrows(RuntimeFailure.class,
        () -> runtime.update("stopped", Resources.NONE.withPidsLimit(5L)));
    assertEquals(RuntimeFailure.Kind.NOT_RUNNING, stopped.kind());

    assertThrows(IllegalArgumentException.class, () -> runtime.update("u1", Resources.NONE));
    assertThrows(IllegalArgumentException.class, () -> runtime.update("u1", null));
    assertThrows(IllegalArgumentException.class,
        () -> runtime.update("u1", Resources.NONE.withCpusetCpus("8000")), "not on this host");
  }

  @Test
  void createFailsWithRuncsErrorAndAHintForAMissingCommand() throws Exception {
    RuncRuntime runtime = runtime("#!/bin/sh\nprintf '{\"data\": -1, \"message\": \"runc create failed: "
        + "unable to start container process: exec: \\\\\"/bin/nonexistent\\\\\": stat /bin/nonexistent: "
        + "no such file or directory\\\\n\"}\\n' >&3\n", Duration.ofSeconds(5));
    RuntimeFailure failure = assertThrows(RuntimeFailure.class, () -> runtime.create(request("c2")));
    assertEquals(RuntimeFailure.Kind.COMMAND_NOT_FOUND, failure.kind());
    assertTrue(failure.getMessage().startsWith("its command cannot be run: runc create failed: "
        + "unable to start container process: exec: \"/bin/nonexistent\": stat /bin/nonexistent: "
        + "no such file or directory (the command must exist"), failure.getMessage());
    assertTrue(Files.readString(calls).contains("delete --force c2"), "cleans up in runc");
    for (Path file : paths.conmonFiles("c2")) {
      assertFalse(Files.exists(file), file + " of the failed create is removed");
    }
    assertFalse(Files.exists(paths.persistDir("c2")));
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
    Files.createDirectories(paths.runcDir("c5"));
    RuntimeFailure exists = assertThrows(RuntimeFailure.class, () -> runtime.create(request("c5")));
    assertTrue(exists.getMessage().contains("already exists"), exists.getMessage());
    assertFalse(Files.exists(calls) && Files.readString(calls).contains("delete"));

    CreateRequest noConfig = new CreateRequest("c6", "n", dir.resolve("empty"), dir.resolve("l"), 0);
    assertTrue(assertThrows(RuntimeFailure.class, () -> runtime.create(noConfig))
        .getMessage().contains("config.json"));
  }

  @Test
  void aForgetThatCannotRemoveAFileKeepsThePersistDirSoThatTheNextCreateCleansUp() throws Exception {
    RuncRuntime runtime = runtime();
    Files.createDirectories(paths.persistDir("f1"));
    // a directory where the exit file belongs, not empty: it cannot be removed as a file
    Files.createDirectories(paths.exitFile("f1").resolve("x"));
    Files.writeString(paths.conmonPidFile("f1"), "1");
    runtime.forgetRuntimeFiles("f1");
    assertFalse(Files.exists(paths.conmonPidFile("f1")));
    assertTrue(Files.isDirectory(paths.persistDir("f1")), "the mark that something of this life is left");
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
