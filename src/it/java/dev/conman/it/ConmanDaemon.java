package dev.conman.it;

import static java.util.concurrent.TimeUnit.SECONDS;

import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckRequest;
import io.grpc.health.v1.HealthCheckResponse;
import io.grpc.health.v1.HealthGrpc;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * A real conmand in a child process, with its own temporary {@code --root} and {@code --state}
 * (under {@code /tmp/citXXXX}: Unix socket paths are limited to 108 bytes) and a log file there.
 *
 * <p>{@link #close()} leaves nothing behind, also when a test failed or killed the daemon: it stops
 * the daemon, force-deletes every container in the daemon's runc root, kills the conmon processes
 * that served this daemon, and deletes the temporary directory (without following symlinks or
 * crossing into another file system). Fixtures still open when the test JVM exits are closed by a
 * shutdown hook.
 */
public final class ConmanDaemon implements AutoCloseable {

  /** How long a daemon may take to answer its health check after start. */
  static final Duration START_TIMEOUT = Duration.ofSeconds(30);
  /** The deadline of every RPC a test makes through {@link #runtime()}. */
  static final Duration RPC_DEADLINE = Duration.ofSeconds(30);

  private static final Set<ConmanDaemon> OPEN = ConcurrentHashMap.newKeySet();
  /** Netty warns about SO_KEEPALIVE on every Unix socket channel; held here so that the level sticks. */
  private static final java.util.logging.Logger NETTY_BOOTSTRAP =
      java.util.logging.Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap.AbstractBootstrap");

  static {
    NETTY_BOOTSTRAP.setLevel(java.util.logging.Level.SEVERE);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> OPEN.forEach(ConmanDaemon::close), "conman-it-cleanup"));
  }

  private final Path dir;
  private final Path root;
  private final Path state;
  private final Path log;
  private final List<String> jvmOptions;
  private final List<String> extraArgs;
  private volatile Process process;
  /** Volatile: client threads of a test pick up the channel of the daemon's current run. */
  private volatile ManagedChannel channel;
  private volatile Instant launchedAt;
  /** What {@link BeforeLaunch} set up: undone after the processes, before the directory goes. */
  private AutoCloseable prepared = () -> {};
  private boolean closed;

  private ConmanDaemon(Path dir, List<String> jvmOptions, List<String> extraArgs) {
    this.dir = dir;
    this.jvmOptions = List.copyOf(jvmOptions);
    this.root = dir.resolve("root");
    this.state = dir.resolve("state");
    this.log = dir.resolve("conmand.log");
    this.extraArgs = List.copyOf(extraArgs);
  }

  /** Starts a daemon in a new temporary directory and waits until it serves. */
  public static ConmanDaemon start() throws IOException {
    return start(List.of());
  }

  /**
   * Starts a daemon with extra command-line flags (after {@code --root} and {@code --state}) in a
   * new temporary directory and waits until it serves. {@code --socket} is not supported here: the
   * fixture talks to {@code <state>/conman.sock}.
   */
  public static ConmanDaemon start(List<String> extraArgs) throws IOException {
    return start(List.of(), extraArgs);
  }

  /**
   * As {@link #start(List)}, with JVM options before {@code -jar}: {@code -Dconman.runtime-timeout=3s}
   * overrides a setting of conf/application.conf.
   */
  public static ConmanDaemon start(List<String> jvmOptions, List<String> extraArgs) throws IOException {
    return start(jvmOptions, extraArgs, d -> () -> {});
  }

  /**
   * Prepares a new daemon's directories before its first launch (mounts a file system on its root);
   * what it returns is closed by {@link #close()} once the daemon and its processes are gone, before
   * the directory is deleted.
   */
  @FunctionalInterface
  public interface BeforeLaunch {
    AutoCloseable prepare(ConmanDaemon daemon) throws IOException;
  }

  /** As {@link #start(List, List)}, with {@code beforeLaunch} run on the directories first. */
  public static ConmanDaemon start(List<String> jvmOptions, List<String> extraArgs, BeforeLaunch beforeLaunch)
      throws IOException {
    if (extraArgs.contains("--socket")) {
      throw new IllegalArgumentException("the fixture serves on <state>/conman.sock; run other sockets with Exec");
    }
    ConmanDaemon d = new ConmanDaemon(Files.createTempDirectory(Path.of("/tmp"), "cit"), jvmOptions, extraArgs);
    OPEN.add(d);
    try {
      d.prepared = beforeLaunch.prepare(d);
      d.launch();
      return d;
    } catch (RuntimeException | Error e) {
      d.close();
      throw e;
    }
  }

  /** The repository's root directory: set by surefire, or found from the working directory. */
  public static Path repoRoot() {
    String prop = System.getProperty("repo.root");
    Path p = prop != null ? Path.of(prop) : Path.of("../..");
    p = p.toAbsolutePath().normalize();
    if (!Files.isDirectory(p.resolve("daemon"))) {
      throw new IllegalStateException("cannot find the repository root (tried " + p + "); set -Drepo.root");
    }
    return p;
  }

  public static Path daemonJar() {
    Path jar = repoRoot().resolve("daemon/target/conmand.jar");
    if (!Files.isRegularFile(jar)) {
      throw new IllegalStateException(jar + " is missing: build the daemon first (mvn -pl daemon -am package)");
    }
    return jar;
  }

  /**
   * The command line of a conmand on the given directories, as bin/conmand runs it, but with
   * {@code --default-network none}: the suite's many containers need no bridge (each attach runs
   * the CNI plugins), and the tests of networking ask for it by name.
   */
  public static List<String> command(Path root, Path state) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-Xss512k", "-XX:+UseSerialGC", "-XX:MaxRAMPercentage=25", "-jar",
        daemonJar().toString(), "--root", root.toString(), "--state", state.toString(), "--default-network", "none");
  }

  /** A process builder with a clean environment: no CONMAN_* from the caller's shell. */
  public static ProcessBuilder processBuilder(List<String> command) {
    ProcessBuilder pb = new ProcessBuilder(command);
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("CONMAN_"));
    pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    return pb;
  }

  private void launch() {
    try {
      Files.writeString(log, "==== conmand start " + Instant.now() + "\n", StandardCharsets.UTF_8,
          java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
      List<String> command = new ArrayList<>(command(root, state));
      command.addAll(command.indexOf("-jar"), jvmOptions);
      if (extraArgs.contains("--default-network")) {
        int at = command.indexOf("--default-network");
        command.subList(at, at + 2).clear();
      }
      command.addAll(extraArgs);
      launchedAt = Instant.now();
      process = processBuilder(command)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start conmand", e);
    }
    channel = Grpc.newChannelBuilder("unix://" + socket(), InsecureChannelCredentials.create()).build();
    awaitServing();
  }

  private void awaitServing() {
    long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
    String last = "the socket " + socket() + " never appeared";
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException("conmand exited with status " + process.exitValue()
            + " while starting\n" + logTail(40));
      }
      if (Files.exists(socket(), LinkOption.NOFOLLOW_LINKS)) {
        try {
          HealthCheckResponse r = HealthGrpc.newBlockingStub(channel).withDeadlineAfter(2, SECONDS)
              .check(HealthCheckRequest.getDefaultInstance());
          if (r.getStatus() == HealthCheckResponse.ServingStatus.SERVING) {
            return;
          }
          last = "health check says " + r.getStatus();
        } catch (StatusRuntimeException e) {
          last = "health check failed: " + e.getStatus();
        }
      }
      sleep(100);
    }
    throw new IllegalStateException("conmand did not serve within " + START_TIMEOUT.toSeconds() + " s: " + last
        + "\n" + logTail(40));
  }

  // ---------------------------------------------------------------- paths

  public Path dir() {
    return dir;
  }

  public Path root() {
    return root;
  }

  public Path state() {
    return state;
  }

  public Path socket() {
    return state.resolve("conman.sock");
  }

  public Path runcRoot() {
    return state.resolve("runc");
  }

  public Path exits() {
    return state.resolve("exits");
  }

  public Path exitFile(String id) {
    return exits().resolve(id);
  }

  public Path conmonPidFile(String id) {
    return state.resolve("conmon").resolve(id + ".conmon.pid");
  }

  public Path database() {
    return root.resolve("conman.db");
  }

  public Path log() {
    return log;
  }

  /** When the current run of the daemon was launched (before its process existed). */
  public Instant launchedAt() {
    return launchedAt;
  }

  // ---------------------------------------------------------------- clients

  public ManagedChannel channel() {
    return channel;
  }

  /** The runtime service with a fresh {@link #RPC_DEADLINE}. */
  public RuntimeServiceBlockingStub runtime() {
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(RPC_DEADLINE.toMillis(),
        java.util.concurrent.TimeUnit.MILLISECONDS);
  }

  public HealthCheckResponse.ServingStatus health() {
    return HealthGrpc.newBlockingStub(channel).withDeadlineAfter(5, SECONDS)
        .check(HealthCheckRequest.getDefaultInstance()).getStatus();
  }

  // ---------------------------------------------------------------- process control

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process != null && process.isAlive();
  }

  /** The daemon's exit status once it has ended; null while it runs (or before it started). */
  public Integer exitStatus() {
    Process p = process;
    return p == null || p.isAlive() ? null : p.exitValue();
  }

  /** Exit status of the daemon if it has ended, for failure messages. */
  public String processStatus() {
    if (process == null) {
      return "not started";
    }
    return process.isAlive() ? "running (pid " + process.pid() + ")" : "exited with status " + process.exitValue();
  }

  /**
   * SIGKILL, as a crash would; waits until the process is gone. The process dies first and the
   * client channel is closed after, so that calls in flight see the daemon die, as a real client would.
   */
  public void kill9() {
    process.destroyForcibly();
    awaitExit(Duration.ofSeconds(10));
    shutdownChannel();
  }

  /** Starts the daemon again on the same directories (stopping it first with SIGTERM if it runs). */
  public void restart() {
    if (process.isAlive()) {
      stop();
    } else {
      shutdownChannel();
    }
    launch();
  }

  /** SIGTERM, then SIGKILL if the daemon has not ended after 15 s. */
  public void stop() {
    shutdownChannel();
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    try {
      if (!process.waitFor(15, SECONDS)) {
        System.err.println("conmand did not stop within 15 s of SIGTERM: SIGKILL\n" + logTail(30));
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
    awaitExit(Duration.ofSeconds(10));
  }

  private void awaitExit(Duration timeout) {
    try {
      if (!process.waitFor(timeout.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)) {
        throw new IllegalStateException("conmand (pid " + process.pid() + ") did not end within " + timeout);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private void shutdownChannel() {
    ManagedChannel c = channel;
    if (c != null) {
      channel = null;
      c.shutdownNow();
      try {
        c.awaitTermination(2, SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  /** The last {@code lines} lines of the daemon's log, framed for a failure report. */
  public String logTail(int lines) {
    if (!Files.exists(log)) {
      return "(no log at " + log + ")";
    }
    List<String> all = readLog(log);
    List<String> tail = all.subList(Math.max(0, all.size() - lines), all.size());
    return "---- last " + tail.size() + " lines of " + log + " ----\n" + String.join("\n", tail) + "\n----";
  }

  /**
   * The lines of a daemon log; bytes that are not UTF-8 (a hostile request echoed in a message)
   * are replaced rather than failing the read. Empty when the file cannot be read.
   */
  static List<String> readLog(Path file) {
    try {
      return new String(Files.readAllBytes(file), StandardCharsets.UTF_8).lines().toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  // ---------------------------------------------------------------- clean-up

  /** Ids of the containers in this daemon's runc root. */
  public List<String> runcContainers() {
    if (!Files.isDirectory(runcRoot())) {
      return List.of();
    }
    Exec.Result r = Exec.run(Duration.ofSeconds(30), "runc", "--root", runcRoot().toString(), "list", "-q");
    if (r.exitCode() != 0) {
      throw new IllegalStateException("runc list failed: " + r);
    }
    return r.stdout().lines().map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  /** Pids of live conmon processes that serve this daemon (by pid file, or by their command line). */
  public List<Long> conmonPids() {
    List<Long> pids = new ArrayList<>();
    Path conmonDir = state.resolve("conmon");
    if (Files.isDirectory(conmonDir)) {
      try (Stream<Path> files = Files.list(conmonDir)) {
        files.filter(f -> f.getFileName().toString().endsWith(".conmon.pid")).forEach(f -> {
          try {
            long pid = Long.parseLong(Files.readString(f).strip());
            if (isConmon(pid)) {
              pids.add(pid);
            }
          } catch (IOException | NumberFormatException ignored) {
            // written by conmon as it daemonizes; a half-written file names no process yet
          }
        });
      } catch (IOException ignored) {
        // the directory vanished: nothing to find there
      }
    }
    // a conmon whose pid file is gone (or not yet written) still names our directories
    ProcessHandle.allProcesses().forEach(p -> {
      if (!pids.contains(p.pid()) && isConmon(p.pid()) && cmdline(p.pid()).contains(dir.toString() + "/")) {
        pids.add(p.pid());
      }
    });
    return pids;
  }

  static boolean isConmon(long pid) {
    try {
      return Files.readString(Path.of("/proc", Long.toString(pid), "comm")).strip().equals("conmon");
    } catch (IOException e) {
      return false;
    }
  }

  private static String cmdline(long pid) {
    try {
      return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8)
          .replace('\0', ' ');
    } catch (IOException e) {
      return "";
    }
  }

  /** Stops the daemon and removes every trace of it; safe to call twice, never throws. */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    List<String> problems = new ArrayList<>();
    try {
      stop();
    } catch (RuntimeException e) {
      problems.add("stopping conmand: " + e.getMessage());
      if (process != null) {
        process.destroyForcibly();
      }
    }
    try {
      for (String id : runcContainers()) {
        Exec.Result r = Exec.run(Duration.ofSeconds(30), "runc", "--root", runcRoot().toString(), "delete", "--force", id);
        if (r.exitCode() != 0) {
          problems.add("runc delete --force " + id + ": " + r);
        }
      }
    } catch (RuntimeException e) {
      problems.add("listing runc containers: " + e.getMessage());
    }
    for (long pid : conmonPids()) {
      ProcessHandle.of(pid).ifPresent(p -> {
        p.destroyForcibly();
        p.onExit().orTimeout(5, SECONDS).exceptionally(t -> null).join();
      });
    }
    try {
      prepared.close();
    } catch (Exception e) {
      problems.add("undoing the preparation of " + dir + ": " + e);
    }
    try {
      deleteTree(dir);
    } catch (IOException | RuntimeException e) {
      problems.add("deleting " + dir + ": " + e);
    }
    OPEN.remove(this);
    if (!problems.isEmpty()) {
      System.err.println("conman-it clean-up of " + dir + ": " + String.join("; ", problems));
    }
  }

  /**
   * Deletes {@code top} without following symlinks and without descending into another file
   * system (a mount left in the tree is reported, not emptied).
   */
  static void deleteTree(Path top) throws IOException {
    if (!Files.exists(top, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    Object device = Files.getAttribute(top, "unix:dev", LinkOption.NOFOLLOW_LINKS);
    List<IOException> failures = new ArrayList<>();
    Files.walkFileTree(top, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        if (!device.equals(Files.getAttribute(d, "unix:dev", LinkOption.NOFOLLOW_LINKS))) {
          failures.add(new IOException(d + " is a mount point: left alone"));
          return FileVisitResult.SKIP_SUBTREE;
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) {
        try {
          Files.delete(f);
        } catch (IOException e) {
          failures.add(e);
        }
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path f, IOException e) {
        failures.add(e);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path d, IOException e) {
        try {
          Files.delete(d);
        } catch (IOException ex) {
          failures.add(ex);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    if (!failures.isEmpty()) {
      IOException first = failures.get(0);
      failures.stream().skip(1).forEach(first::addSuppressed);
      throw first;
    }
  }

  static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
