package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.ExecSpec;
import dev.conman.api.v1.LogStream;
import dev.conman.api.v1.LogsRequest;
import dev.conman.api.v1.Filter;
import dev.conman.api.v1.Resources;
import dev.conman.api.v1.UpdateContainerRequest;
import dev.conman.api.v1.SubscribeRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

/** Argument parsing of every verb, through the command line that main() builds for the arguments. */
class ParsingTest {

  /** Parses args and returns the user object of the innermost (sub)command. */
  private static Object parse(String... args) {
    ParseResult result = Conmanctl.commandLine(Stdio.system(), args).parseArgs(args);
    while (result.hasSubcommand()) {
      result = result.subcommand();
    }
    return result.commandSpec().userObject();
  }

  private static <T> T parse(Class<T> type, String... args) {
    return assertInstanceOf(type, parse(args));
  }

  /** The root's global options, after parsing. */
  private static Conmanctl globals(String... args) {
    CommandLine cmd = Conmanctl.commandLine(Stdio.system(), args);
    cmd.parseArgs(args);
    return (Conmanctl) cmd.getCommand();
  }

  @Test
  void globalOptionsHaveDefaults() {
    Conmanctl g = globals("container", "list");
    String env = System.getenv("CONMAN_SOCKET");
    assertEquals(Path.of(env != null ? env : Conmanctl.DEFAULT_SOCKET), g.socket());
    assertEquals(OutputFormat.TABLE, g.output());
    assertEquals(Duration.ofSeconds(30), g.timeout());
  }

  @Test
  void globalOptionsBeforeTheCommand() {
    Conmanctl g = globals("--socket", "/tmp/c.sock", "-o", "json", "--timeout", "5",
        "container", "list");
    assertEquals(Path.of("/tmp/c.sock"), g.socket());
    assertEquals(OutputFormat.JSON, g.output());
    assertEquals(Duration.ofSeconds(5), g.timeout());
  }

  @Test
  void socketAndOutputAlsoAfterTheVerb() {
    Conmanctl g = globals("container", "status", "--socket", "/tmp/x.sock", "--output", "JSON",
        "c1");
    assertEquals(Path.of("/tmp/x.sock"), g.socket());
    assertEquals(OutputFormat.JSON, g.output());
  }

  @Test
  void timeoutMustBePositive() {
    assertThrows(ParameterException.class, () -> globals("--timeout", "0", "container", "list"));
  }

  @Test
  void unknownOutputFormatIsRejected() {
    assertThrows(ParameterException.class, () -> globals("-o", "yaml", "container", "list"));
  }

  @Test
  void createWithEveryOption() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--image", "/srv/rootfs",
        "--env", "A=1", "-e", "B=2", "--workdir", "/tmp", "--read-only", "--label", "app=web",
        "-l", "tier=front", "cont1", "--", "/bin/sleep", "100");
    assertEquals("/srv/rootfs", c.create.image);
    assertEquals(List.of("A=1", "B=2"), c.create.env);
    assertEquals("/tmp", c.create.workdir);
    assertTrue(c.create.readOnly);
    assertEquals(Map.of("app", "web", "tier", "front"), c.create.labels);
    assertEquals("cont1", c.create.name);
    assertEquals(List.of("/bin/sleep", "100"), c.create.command());
  }

  @Test
  void createTakesEverythingAfterTheNameAsTheCommand() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--image", "/r", "c1",
        "sh", "-c", "exit 7", "--read-only");
    assertEquals(List.of("sh", "-c", "exit 7", "--read-only"), c.create.command());
    assertFalse(c.create.readOnly);
  }

  @Test
  void createKeepsADoubleDashThatIsPartOfTheCommand() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--image", "/r", "c1",
        "--", "echo", "--", "x");
    assertEquals(List.of("echo", "--", "x"), c.create.command());
  }

  @Test
  void aDoubleDashAloneIsNoCommand() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--image", "/r", "c1",
        "--");
    assertThrows(ParameterException.class, c.create::validate);
  }

  @Test
  void createNeedsImageNameAndCommand() {
    assertThrows(ParameterException.class,
        () -> parse("container", "create", "c1", "--", "/bin/true"));
    CreateCommand directory = parse(CreateCommand.class, "container", "create", "--image", "/r", "c1");
    assertThrows(ParameterException.class, directory.create::validate, "a directory has no default command");
    CreateCommand image = parse(CreateCommand.class, "container", "create", "--image", "busybox", "c1");
    image.create.validate();
    assertEquals(List.of(), image.create.command(), "an image's own command is the default");
    assertThrows(ParameterException.class, () -> parse("container", "create", "--image", "/r"));
  }

  @Test
  void ttyAndStdinForCreateRunItAndAttachFlags() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--tty", "--stdin", "--image", "/r", "c1",
        "/bin/sh");
    CreateContainerRequest r = c.create.request(Map.of());
    assertTrue(r.getTty() && r.getStdin() && !r.getStdinOnce());
    RunCommand run = parse(RunCommand.class, "run", "-it", "--rm", "--detach-keys", "ctrl-a,d", "--image", "/r", "c1",
        "--", "/bin/sh");
    assertTrue(run.create.tty && run.create.stdin && run.remove);
    assertEquals("ctrl-a,d", run.detachKeys);
    AttachCommand a = parse(AttachCommand.class, "attach", "--detach-keys", "ctrl-x", "--no-stdin", "c1");
    assertEquals("c1", a.ref);
    assertTrue(a.noStdin);
    assertEquals(java.util.Optional.of(dev.conman.api.v1.TerminalSize.newBuilder().setRows(30).setColumns(100).build()),
        RawTerminal.parseSize("30 100\n"));
    assertEquals(java.util.Optional.empty(), RawTerminal.parseSize("stty: standard input: Inappropriate ioctl"));
  }

  @Test
  void createRequestResolvesImageAndEnvironment() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--image", "./rootfs",
        "-e", "HOME", "-e", "UNSET_HERE", "-e", "X=", "c1", "/bin/true");
    CreateContainerRequest r = c.create.request(Map.of("HOME", "/root"));
    assertEquals(Path.of("rootfs").toAbsolutePath().normalize().toString(), r.getImage());
    assertEquals(List.of("HOME=/root", "X="), r.getEnvList());
    assertEquals("", r.getWorkdir());
    assertEquals(List.of("/bin/true"), r.getCommandList());
    assertEquals("c1", r.getName());
    CreateCommand ref = parse(CreateCommand.class, "container", "create", "--image", "localhost:5000/busybox", "c2",
        "/bin/true");
    assertEquals("localhost:5000/busybox", ref.create.request(Map.of()).getImage(), "an image reference is sent as is");
  }

  @Test
  void volumesAndTmpfsBecomeMounts() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--image", "/r", "-v", "/srv/data:/data",
        "--volume", "./conf:/etc/app:ro", "--tmpfs", "/run", "--tmpfs", "/cache:ro", "-v", "/a:/b:rw",
        "-v", "pgdata:/var/lib/db", "c1", "/bin/true");
    List<dev.conman.api.v1.Mount> mounts = c.create.request(Map.of()).getMountsList();
    assertEquals(List.of(
        dev.conman.api.v1.Mount.newBuilder().setType("bind").setSource("/srv/data").setDestination("/data").build(),
        dev.conman.api.v1.Mount.newBuilder().setType("bind").setSource(Path.of("conf").toAbsolutePath().normalize()
            .toString()).setDestination("/etc/app").setReadOnly(true).build(),
        dev.conman.api.v1.Mount.newBuilder().setType("bind").setSource("/a").setDestination("/b").build(),
        dev.conman.api.v1.Mount.newBuilder().setType("volume").setSource("pgdata").setDestination("/var/lib/db").build(),
        dev.conman.api.v1.Mount.newBuilder().setType("tmpfs").setDestination("/run").build(),
        dev.conman.api.v1.Mount.newBuilder().setType("tmpfs").setDestination("/cache").setReadOnly(true).build()),
        mounts);
    for (String[] bad : List.of(new String[] {"-v", "/data"}, new String[] {"-v", ":/data"},
        new String[] {"-v", "/a:/b:rx"}, new String[] {"-v", "/a:/b:ro:x"}, new String[] {"--tmpfs", ":ro"},
        new String[] {"--tmpfs", "/x:ro:rw"})) {
      CreateCommand wrong = parse(CreateCommand.class, "container", "create", "--image", "/r", bad[0], bad[1], "c1",
          "/bin/true");
      ParameterException e = assertThrows(ParameterException.class, () -> wrong.create.mounts(),
          () -> String.join(" ", bad));
      assertTrue(e.getMessage().contains(bad[1]), e.getMessage());
    }
  }

  @Test
  void startStopKillDeleteStatusTakeSeveralRefs() {
    for (String verb : List.of("start", "stop", "kill", "delete", "status")) {
      RefCommand c = parse(RefCommand.class, "container", verb, "a", "b", "c");
      assertEquals(List.of("a", "b", "c"), c.refs, verb);
    }
  }

  @Test
  void refIsRequired() {
    for (String verb : List.of("start", "stop", "kill", "delete", "status", "wait")) {
      assertThrows(ParameterException.class, () -> parse("container", verb), verb);
    }
  }

  @Test
  void stopTimeout() {
    assertEquals(10, parse(StopCommand.class, "container", "stop", "c1").grace.seconds);
    assertEquals(0, parse(StopCommand.class, "container", "stop", "-t", "0", "c1").grace.seconds);
    assertEquals(3,
        parse(StopCommand.class, "container", "stop", "--timeout", "3", "c1").grace.seconds);
    assertThrows(ParameterException.class,
        () -> parse("container", "stop", "--timeout", "-1", "c1"));
  }

  @Test
  void restartTakesStopsTimeoutAtTheTopAndUnderContainer() {
    assertEquals(10, parse(RestartCommand.class, "restart", "c1").grace.seconds);
    assertEquals(2, parse(RestartCommand.class, "container", "restart", "-t", "2", "c1", "c2").grace.seconds);
    assertThrows(ParameterException.class, () -> parse("restart", "-t", "-5", "c1"));
    assertThrows(ParameterException.class, () -> parse("restart"));
  }

  @Test
  void stopTimeoutDoesNotChangeTheGlobalOne() {
    Conmanctl g = globals("--timeout", "7", "container", "stop", "--timeout", "20", "c1");
    assertEquals(Duration.ofSeconds(7), g.timeout());
  }

  @Test
  void killSignal() {
    assertEquals("SIGKILL", parse(KillCommand.class, "container", "kill", "c1").signal);
    assertEquals("TERM", parse(KillCommand.class, "container", "kill", "-s", "TERM", "c1").signal);
    assertEquals("15",
        parse(KillCommand.class, "container", "kill", "--signal", "15", "c1").signal);
  }

  @Test
  void deleteForce() {
    assertFalse(parse(DeleteCommand.class, "container", "delete", "c1").force);
    assertTrue(parse(DeleteCommand.class, "container", "delete", "--force", "c1").force);
    assertTrue(parse(DeleteCommand.class, "container", "rm", "-f", "c1", "c2").force);
  }

  @Test
  void statusAlias() {
    assertEquals(List.of("c1"), parse(StatusCommand.class, "container", "inspect", "c1").refs);
  }

  @Test
  void listLabelsAndQuiet() {
    ListCommand plain = parse(ListCommand.class, "container", "list");
    assertTrue(plain.labels.isEmpty());
    assertFalse(plain.quiet);
    ListCommand filtered = parse(ListCommand.class, "container", "ls", "--label", "a=1", "-l",
        "b=2", "-q");
    assertEquals(Map.of("a", "1", "b", "2"), filtered.labels);
    assertTrue(filtered.quiet);
    assertThrows(ParameterException.class, () -> parse("container", "list", "--label", "novalue"));
  }

  @Test
  void waitTakesOneRef() {
    assertEquals("c1", parse(WaitCommand.class, "container", "wait", "c1").ref);
    assertThrows(ParameterException.class, () -> parse("container", "wait", "c1", "c2"));
  }

  @Test
  void runSharesTheCreateOptions() {
    RunCommand r = parse(RunCommand.class, "run", "--rm", "--image", "/r", "-e", "A=1",
        "--label", "k=v", "-w", "/w", "--read-only", "c1", "sh", "-c", "exit 7");
    assertTrue(r.remove);
    assertFalse(r.detach);
    assertEquals("/r", r.create.image);
    assertEquals(List.of("A=1"), r.create.env);
    assertEquals(Map.of("k", "v"), r.create.labels);
    assertEquals("/w", r.create.workdir);
    assertTrue(r.create.readOnly);
    assertEquals("c1", r.create.name);
    assertEquals(List.of("sh", "-c", "exit 7"), r.create.command());
    assertTrue(parse(RunCommand.class, "run", "-d", "--image", "/r", "c1", "/bin/true").detach);
    assertNull(parse(RunCommand.class, "run", "--image", "/r", "c1", "/bin/true").create.workdir);
  }

  @Test
  void eventsWithoutOptionsPrintTheWholeJournal() {
    SubscribeRequest r = parse(EventsCommand.class, "events").request();
    assertEquals(SubscribeRequest.newBuilder().setSinceOffset(0).build(), r);
  }

  @Test
  void eventsFollowWithoutSinceIsLiveOnly() {
    SubscribeRequest r = parse(EventsCommand.class, "events", "-f").request();
    assertEquals(SubscribeRequest.SinceCase.SINCE_NOT_SET, r.getSinceCase());
    assertEquals(SubscribeRequest.UntilCase.UNTIL_NOT_SET, r.getUntilCase());
    assertTrue(r.getFollow());
    assertTrue(parse(EventsCommand.class, "events", "--follow").request().getFollow());
  }

  @Test
  void eventsSinceAndUntilAsOffsets() {
    SubscribeRequest r = parse(EventsCommand.class, "events", "--since", "42", "--until", "99")
        .request();
    assertEquals(42, r.getSinceOffset());
    assertEquals(99, r.getUntilOffset());
  }

  @Test
  void eventsSinceAndUntilAsTimesAndDurations() {
    Instant before = Instant.now();
    SubscribeRequest r = parse(EventsCommand.class, "events", "-f", "--since", "10m", "--until",
        "2026-11-28T11:00:00+01:00").request();
    Instant since = Timestamps.instant(r.getSinceTime());
    assertFalse(since.isBefore(before.minusSeconds(600)), since.toString());
    assertFalse(since.isAfter(Instant.now().minusSeconds(600)), since.toString());
    assertEquals(Instant.parse("2026-11-28T10:00:00Z"), Timestamps.instant(r.getUntilTime()));
  }

  @Test
  void eventsRejectBadTimesWithTheAcceptedForms() {
    for (String option : List.of("--since", "--until")) {
      ParameterException e = assertThrows(ParameterException.class,
          () -> parse("events", option, "yesterday"));
      assertEquals("Invalid value for option '" + option + "': 'yesterday' is not a time, a"
          + " duration or a journal offset: use an RFC 3339 time (2026-11-28T10:00:00Z,"
          + " 2026-11-28T11:00:00+01:00), a duration back from now (30s, 10m, 2h, 1h30m, 2d) or a"
          + " journal offset (0, 1, 2, ...)", e.getMessage());
    }
    assertThrows(ParameterException.class, () -> parse("events", "--since", "-3"));
  }

  @Test
  void eventsFiltersAreRepeatableAndSplitAtTheFirstEquals() {
    SubscribeRequest r = parse(EventsCommand.class, "events", "--filter", "type=exited",
        "--filter", "type=started", "--filter", "label=app=web", "--filter", "container=c1")
        .request();
    assertEquals(List.of(filter("type", "exited"), filter("type", "started"),
        filter("label", "app=web"), filter("container", "c1")), r.getFiltersList());
  }

  @Test
  void aFilterWithoutKeyOrEqualsIsAUsageError() {
    for (String bad : List.of("exited", "=exited")) {
      ParameterException e = assertThrows(ParameterException.class,
          () -> parse("events", "--filter", bad));
      assertTrue(e.getMessage().contains("'" + bad + "' is not KEY=VALUE"), e.getMessage());
    }
  }

  private static Filter filter(String key, String value) {
    return Filter.newBuilder().setKey(key).setValue(value).build();
  }

  @Test
  void historyTakesOneRef() {
    assertEquals("c1", parse(HistoryCommand.class, "container", "history", "c1").ref);
    assertThrows(ParameterException.class, () -> parse("container", "history"));
    assertThrows(ParameterException.class, () -> parse("container", "history", "a", "b"));
  }

  @Test
  void statusAtASequenceOrATime() {
    StatusCommand seq = parse(StatusCommand.class, "container", "inspect", "c1", "--at", "3");
    assertEquals(new JournalPoint(null, 3L), seq.at);
    StatusCommand time = parse(StatusCommand.class, "container", "status", "--at",
        "2026-11-28T10:00:00Z", "c1");
    assertEquals(Instant.parse("2026-11-28T10:00:00Z"), time.at.time());
    assertTrue(parse(StatusCommand.class, "container", "status", "--at", "1h", "c1").at.isTime());
    assertNull(parse(StatusCommand.class, "container", "status", "c1").at);
    ParameterException e = assertThrows(ParameterException.class,
        () -> parse("container", "status", "--at", "later", "c1"));
    assertTrue(e.getMessage().contains("or a sequence number"), e.getMessage());
  }

  @Test
  void statusAtTakesASingleRef() {
    StatusCommand two = parse(StatusCommand.class, "container", "status", "--at", "3", "a", "b");
    ParameterException e = assertThrows(ParameterException.class, two::validate);
    assertEquals("--at takes a single REF, not 2", e.getMessage());
  }

  @Test
  void logsDefaultsToEverythingOfBothStreams() {
    LogsCommand l = parse(LogsCommand.class, "logs", "c1");
    assertEquals(LogsRequest.newBuilder().setRef("c1").build(), l.request());
    assertFalse(l.timestamps);
    assertFalse(l.request().hasTail());
    assertFalse(l.request().hasSince());
  }

  @Test
  void logsWithEveryOption() {
    LogsCommand l = parse(LogsCommand.class, "container", "logs", "-f", "--tail", "5", "-t",
        "--since", "2026-11-28T10:00:00Z", "--stdout", "c1");
    assertTrue(l.timestamps);
    assertEquals(LogsRequest.newBuilder().setRef("c1").setFollow(true).setTail(5)
        .setSince(Timestamps.of(Instant.parse("2026-11-28T10:00:00Z")))
        .setStream(LogStream.LOG_STREAM_STDOUT).build(), l.request());
    assertEquals(LogStream.LOG_STREAM_STDERR,
        parse(LogsCommand.class, "logs", "--stderr", "c1").request().getStream());
  }

  @Test
  void logsSinceIsATimeOrADurationButNotAnOffset() {
    Instant before = Instant.now();
    Instant since = Timestamps.instant(
        parse(LogsCommand.class, "logs", "--since", "10m", "c1").request().getSince());
    assertFalse(since.isBefore(before.minusSeconds(600)), since.toString());
    assertFalse(since.isAfter(Instant.now().minusSeconds(600)), since.toString());
    ParameterException e = assertThrows(ParameterException.class,
        () -> parse("logs", "--since", "42", "c1"));
    assertEquals("Invalid value for option '--since': '42' is not a time or a duration: use an"
        + " RFC 3339 time (2026-11-28T10:00:00Z, 2026-11-28T11:00:00+01:00) or a duration back"
        + " from now (30s, 10m, 2h, 1h30m, 2d)", e.getMessage());
  }

  @Test
  void logsUsageErrors() {
    ParameterException both = assertThrows(ParameterException.class,
        () -> parse("logs", "--stdout", "--stderr", "c1"));
    assertTrue(both.getMessage().contains("mutually exclusive"), both.getMessage());
    assertThrows(ParameterException.class, () -> parse("logs", "--tail", "-1", "c1"));
    assertThrows(ParameterException.class, () -> parse("logs"));
    assertThrows(ParameterException.class, () -> parse("logs", "c1", "c2"));
  }

  @Test
  void execWithEveryOption() {
    ExecCommand x = parse(ExecCommand.class, "exec", "-i", "-e", "A=1", "--env", "HOME",
        "--env", "UNSET_HERE", "-w", "/w", "--timeout", "9", "c1", "--", "/bin/sh", "-c", "x");
    assertTrue(x.interactive);
    assertEquals(ExecSpec.newBuilder().setRef("c1").addCommand("/bin/sh").addCommand("-c")
        .addCommand("x").addEnv("A=1").addEnv("HOME=/root").setWorkdir("/w").setTimeoutSeconds(9)
        .build(), x.execSpec(Map.of("HOME", "/root")));
  }

  @Test
  void execTakesEverythingAfterTheRefAsTheCommand() {
    ExecCommand x = parse(ExecCommand.class, "container", "exec", "c1", "ls", "-i", "--", "-w");
    assertFalse(x.interactive);
    assertEquals(ExecSpec.newBuilder().setRef("c1").addCommand("ls").addCommand("-i")
        .addCommand("--").addCommand("-w").build(), x.execSpec(Map.of()));
  }

  @Test
  void execUsageErrors() {
    assertThrows(ParameterException.class, () -> parse("exec", "c1"));
    assertThrows(ParameterException.class, parse(ExecCommand.class, "exec", "c1", "--")::validate);
    assertThrows(ParameterException.class, () -> parse("exec", "--timeout", "-1", "c1", "ls"));
  }

  @Test
  void execTakesATerminalWithOrWithoutStdin() {
    ExecCommand it = parse(ExecCommand.class, "exec", "-it", "c1", "sh");
    assertTrue(it.tty);
    assertTrue(it.interactive);
    ExecCommand t = parse(ExecCommand.class, "exec", "--tty", "c1", "sh");
    assertTrue(t.tty);
    assertFalse(t.interactive);
    assertTrue(t.execSpec(Map.of()).getTty());
    assertFalse(parse(ExecCommand.class, "exec", "c1", "sh").execSpec(Map.of()).getTty());
  }

  @Test
  void execTimeoutIsNotTheGlobalOne() {
    assertEquals(0, parse(ExecCommand.class, "exec", "c1", "ls").timeoutSeconds);
    assertEquals(Duration.ofSeconds(30), globals("exec", "--timeout", "3", "c1", "ls").timeout());
    assertEquals(Duration.ofSeconds(3), globals("--timeout", "3", "exec", "c1", "ls").timeout());
  }

  @Test
  void unknownVerbIsAUsageError() {
    assertThrows(ParameterException.class, () -> parse("container", "explode"));
  }

  /** create with {@code options} before the name and command. */
  private static CreateCommand create(String... options) {
    String[] args = Stream.of(Stream.of("container", "create", "--image", "/r"),
        Stream.of(options), Stream.of("c1", "/bin/true")).flatMap(x -> x).toArray(String[]::new);
    return parse(CreateCommand.class, args);
  }

  /** The usage error of create with {@code options}. */
  private static String createError(String... options) {
    return assertThrows(ParameterException.class, () -> create(options),
        String.join(" ", options)).getMessage();
  }

  @Test
  void createWithEveryLimitAndSecurityOption() {
    CreateContainerRequest r = create("--restart", "on-failure:3", "--memory", "16m",
        "--memory-swap", "-1", "--cpus", "0.5", "--cpu-shares", "512", "--pids-limit", "10",
        "--cpuset-cpus", "0-1,3", "--user", "1000:1000", "--cap-add", "NET_ADMIN",
        "--cap-add", "cap_sys_ptrace", "--cap-drop", "ALL", "--privileged",
        "--allow-new-privileges").create.request(Map.of());
    assertEquals(CreateContainerRequest.newBuilder()
        .setName("c1").setImage("/r").addCommand("/bin/true")
        .setRestartPolicy("on-failure:3")
        .setResources(Resources.newBuilder().setMemoryBytes(16L << 20).setMemorySwapBytes(-1)
            .setCpus(0.5).setCpuShares(512).setPidsLimit(10).setCpusetCpus("0-1,3"))
        .setUser("1000:1000")
        .addCapAdd("NET_ADMIN").addCapAdd("cap_sys_ptrace").addCapDrop("ALL")
        .setPrivileged(true)
        .setAllowNewPrivileges(true)
        .build(), r);
  }

  @Test
  void createShortOptionsForMemoryAndUser() {
    CreateContainerRequest r = create("-m", "1.5g", "-u", "nobody").create.request(Map.of());
    assertEquals(3L << 29, r.getResources().getMemoryBytes());
    assertEquals("nobody", r.getUser());
  }

  @Test
  void createWithoutTheNewOptionsLeavesThemUnset() {
    CreateContainerRequest r = create().create.request(Map.of());
    assertEquals(CreateContainerRequest.newBuilder().setName("c1").setImage("/r")
        .addCommand("/bin/true").build(), r);
    assertFalse(r.hasResources(), "no limits: no Resources at all");
    assertFalse(r.getAllowNewPrivileges(), "no_new_privileges stays on");
  }

  @Test
  void onlyTheLimitsGivenAreSet() {
    Resources r = create("--pids-limit", "5").create.request(Map.of()).getResources();
    assertEquals(Resources.newBuilder().setPidsLimit(5).build(), r);
    assertFalse(r.hasMemoryBytes());
    assertFalse(r.hasCpus());
  }

  @Test
  void restartPolicies() {
    for (String policy : List.of("no", "always", "unless-stopped", "on-failure",
        "on-failure:1", "on-failure:10")) {
      assertEquals(policy, create("--restart", policy).create.request(Map.of()).getRestartPolicy());
    }
    for (String bad : List.of("sometimes", "", "on-failure:", "on-failure:0", "on-failure:-1",
        "on-failure:x", "on-failure:9999999999", "On-Failure", "always:3", "no:1", "onfailure")) {
      assertEquals("Invalid value for option '--restart': '" + bad + "' is not a"
          + " restart policy: use no, on-failure, on-failure:MAX (MAX a positive number of"
          + " restarts), always or unless-stopped", createError("--restart", bad));
    }
  }

  @Test
  void goodLimits() {
    assertEquals(Resources.newBuilder().setMemoryBytes(6L << 20).setMemorySwapBytes(1L << 30)
        .setCpus(2).setCpuShares(2).setPidsLimit(1).setCpusetCpus("0").build(),
        create("--memory", "6291456", "--memory-swap", "1G", "--cpus", "2", "--cpu-shares", "2",
            "--pids-limit", "1", "--cpuset-cpus", "0").create.resources.resources());
    assertEquals(0.25, create("--cpus", ".25").create.resources.cpus);
    assertEquals("0-3,8,10-11",
        create("--cpuset-cpus", "0-3,8,10-11").create.resources.cpusetCpus);
    assertEquals("2-2", create("--cpuset-cpus", "2-2").create.resources.cpusetCpus);
  }

  @Test
  void badLimitsAreUsageErrors() {
    for (String[] bad : List.of(
        new String[] {"--memory", "1x"}, new String[] {"--memory", "0"},
        new String[] {"--memory", "-1"}, new String[] {"--memory", "16 m"},
        new String[] {"--memory", "lots"}, new String[] {"--memory-swap", "-2"},
        new String[] {"--memory-swap", "0"}, new String[] {"--memory-swap", "1q"},
        new String[] {"--cpus", "0"}, new String[] {"--cpus", "0.0"}, new String[] {"--cpus", "-1"},
        new String[] {"--cpus", "abc"}, new String[] {"--cpus", "1e3"},
        new String[] {"--cpus", "NaN"}, new String[] {"--cpus", "Infinity"},
        new String[] {"--cpus", "1.5d"}, new String[] {"--cpus", "1."},
        new String[] {"--cpu-shares", "0"}, new String[] {"--cpu-shares", "-5"},
        new String[] {"--cpu-shares", "1.5"}, new String[] {"--cpu-shares", "x"},
        new String[] {"--pids-limit", "-1"}, new String[] {"--pids-limit", "0"},
        new String[] {"--pids-limit", "99999999999999999999"},
        new String[] {"--cpuset-cpus", ""}, new String[] {"--cpuset-cpus", "a"},
        new String[] {"--cpuset-cpus", "1-0"}, new String[] {"--cpuset-cpus", "1,"},
        new String[] {"--cpuset-cpus", "0--1"}, new String[] {"--cpuset-cpus", "0-1-2"},
        new String[] {"--cpuset-cpus", " 0"})) {
      assertTrue(createError(bad).startsWith("Invalid value for option '" + bad[0]),
          String.join(" ", bad));
    }
  }

  @Test
  void badLimitsSayWhatIsWrong() {
    assertEquals("Invalid value for option '--memory': '1x' is not a size: use bytes, or a"
        + " number with suffix b, k, m or g (1k = 1024 bytes), e.g. 512m or 1.5g",
        createError("--memory", "1x"));
    assertEquals("Invalid value for option '--memory': a size of 0 is no limit: leave the"
        + " option out", createError("--memory", "0"));
    assertEquals("Invalid value for option '--cpus': '0' is not a positive number of"
        + " CPUs (e.g. 0.5, 1 or 2)", createError("--cpus", "0"));
    assertEquals("Invalid value for option '--pids-limit': '-1' is not a positive whole"
        + " number", createError("--pids-limit", "-1"));
    assertEquals("Invalid value for option '--cpuset-cpus': '3-1' is not a CPU list: use"
        + " CPU numbers and ascending ranges, comma-separated, e.g. 0-1,3",
        createError("--cpuset-cpus", "3-1"));
  }

  @Test
  void users() {
    for (String user : List.of("0", "1000", "1000:1000", "nobody", "www-data:www-data",
        "_apt", "svc.user:0")) {
      assertEquals(user, create("--user", user).create.request(Map.of()).getUser());
    }
    for (String bad : List.of("", ":", ":1000", "1000:", "a:b:c", "a b", "-x", "root:-g",
        "us\u00e9r")) {
      assertEquals("Invalid value for option '--user': '" + bad
          + "' is not UID[:GID] or NAME[:GROUP] (e.g. 1000, 1000:1000, nobody,"
          + " www-data:www-data)", createError("--user", bad));
    }
  }

  @Test
  void capabilities() {
    CreateContainerRequest r = create("--cap-drop", "ALL", "--cap-add", "CHOWN", "--cap-add",
        "CAP_NET_BIND_SERVICE").create.request(Map.of());
    assertEquals(List.of("CHOWN", "CAP_NET_BIND_SERVICE"), r.getCapAddList());
    assertEquals(List.of("ALL"), r.getCapDropList());
    for (String option : List.of("--cap-add", "--cap-drop")) {
      for (String bad : List.of("", "NET-ADMIN", "1CAP", "NET ADMIN", "CAP_NET_ADMIN,CHOWN")) {
        assertEquals("Invalid value for option '" + option + "' (CAP): '" + bad + "' is not a"
            + " capability name (e.g. NET_ADMIN, CAP_SYS_PTRACE or ALL)",
            createError(option, bad));
      }
    }
  }

  @Test
  void privilegedAndNewPrivilegesAreFlags() {
    assertThrows(ParameterException.class, () -> create("--privileged=maybe"));
    assertFalse(create("--no-new-privileges").create.request(Map.of()).getAllowNewPrivileges(),
        "docker's spelling of the default is accepted");
    assertTrue(create("--allow-new-privileges").create.request(Map.of()).getAllowNewPrivileges());
    assertThrows(ParameterException.class,
        create("--no-new-privileges", "--allow-new-privileges").create::validate, "contradictory flags");
    assertTrue(create("--privileged").create.request(Map.of()).getPrivileged());
  }

  @Test
  void runSharesTheLimitAndSecurityOptions() {
    RunCommand r = parse(RunCommand.class, "run", "--rm", "--image", "/r", "--restart", "always",
        "--memory", "32m", "--cpus", "1.5", "--user", "1:1", "--cap-drop", "NET_RAW",
        "--privileged", "--allow-new-privileges", "c1", "sh", "-c", "exit 7");
    CreateContainerRequest request = r.create.request(Map.of());
    assertEquals("always", request.getRestartPolicy());
    assertEquals(Resources.newBuilder().setMemoryBytes(32L << 20).setCpus(1.5).build(),
        request.getResources());
    assertEquals("1:1", request.getUser());
    assertEquals(List.of("NET_RAW"), request.getCapDropList());
    assertTrue(request.getPrivileged());
    assertTrue(request.getAllowNewPrivileges());
    assertEquals(List.of("sh", "-c", "exit 7"), r.create.command());
    assertThrows(ParameterException.class,
        () -> parse("run", "--image", "/r", "--restart", "never", "c1", "/bin/true"));
  }

  @Test
  void aLimitAfterTheNameBelongsToTheCommand() {
    CreateCommand c = parse(CreateCommand.class, "container", "create", "--image", "/r", "c1",
        "stress", "--memory", "1x");
    assertNull(c.create.resources.memory);
    assertEquals(List.of("stress", "--memory", "1x"), c.create.command());
  }

  @Test
  void updateSetsOnlyTheLimitsGiven() {
    UpdateCommand u = parse(UpdateCommand.class, "container", "update", "--memory", "64m",
        "--pids-limit", "20", "c1", "c2");
    u.validate();
    assertEquals(List.of("c1", "c2"), u.refs);
    assertEquals(UpdateContainerRequest.newBuilder().setRef("c2").setResources(
        Resources.newBuilder().setMemoryBytes(64L << 20).setPidsLimit(20)).build(),
        u.request("c2"));
    UpdateCommand all = parse(UpdateCommand.class, "container", "update", "c1", "-m", "1g",
        "--memory-swap", "-1", "--cpus", "0.75", "--cpu-shares", "256", "--pids-limit", "7",
        "--cpuset-cpus", "1");
    assertEquals(Resources.newBuilder().setMemoryBytes(1L << 30).setMemorySwapBytes(-1)
        .setCpus(0.75).setCpuShares(256).setPidsLimit(7).setCpusetCpus("1").build(),
        all.request("c1").getResources());
  }

  @Test
  void updateNeedsALimitAndARef() {
    UpdateCommand none = parse(UpdateCommand.class, "container", "update", "c1");
    ParameterException e = assertThrows(ParameterException.class, none::validate);
    assertEquals("nothing to update: give --restart or at least one of --memory, --memory-swap, --cpus,"
        + " --cpu-shares, --pids-limit or --cpuset-cpus", e.getMessage());
    UpdateCommand policy = parse(UpdateCommand.class, "container", "update", "--restart", "on-failure:2", "c1");
    policy.validate();
    assertEquals(UpdateContainerRequest.newBuilder().setRef("c1").setRestartPolicy("on-failure:2").build(),
        policy.request("c1"), "a policy alone: no resources");
    assertThrows(ParameterException.class, () -> parse("container", "update", "--restart", "sometimes", "c1"));
    assertThrows(ParameterException.class, () -> parse("container", "update", "--cpus", "1"));
    assertThrows(ParameterException.class,
        () -> parse("container", "update", "--cpus", "-1", "c1"));
    assertThrows(ParameterException.class,
        () -> parse("container", "update", "--memory", "1x", "c1"));
    assertThrows(ParameterException.class,
        () -> parse("container", "update", "--image", "/r", "c1"), "update changes limits and the policy only");
  }

  @Test
  void statsDefaults() {
    StatsCommand s = parse(StatsCommand.class, "stats");
    assertFalse(s.noStream);
    assertEquals(Duration.ofSeconds(1), s.interval);
    assertEquals(List.of(), s.refs);
  }

  @Test
  void statsWithEveryOption() {
    StatsCommand s = parse(StatsCommand.class, "stats", "--no-stream", "--interval", "0.5", "a",
        "b");
    assertTrue(s.noStream);
    assertEquals(Duration.ofMillis(500), s.interval);
    assertEquals(List.of("a", "b"), s.refs);
    assertEquals(Duration.ofSeconds(3),
        parse(StatsCommand.class, "container", "stats", "--interval", "3", "c1").interval);
  }

  @Test
  void statsIntervalMustBePositive() {
    List<String> messages = new ArrayList<>();
    for (String bad : List.of("0", "-1", "0.0000000001", "x", "1s", "86401")) {
      messages.add(assertThrows(ParameterException.class,
          () -> parse("stats", "--interval", bad), bad).getMessage());
    }
    assertEquals("--interval must be a number of seconds above 0 and at most a day, not 0",
        messages.get(0));
    assertEquals("--interval 0.0000000001 is too short", messages.get(2));
  }
}
