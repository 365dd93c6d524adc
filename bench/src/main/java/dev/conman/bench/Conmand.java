package dev.conman.bench;

import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The private conmand of this run: started, SIGKILLed and restarted by the harness (restart
 * scenarios), its pid written to a file so that bench/run.sh can stop it whatever happens.
 */
public final class Conmand {

  private final Path launcher;
  private final Path root;
  private final Path state;
  private final Path socket;
  private final Path log;
  private final Path pidFile;
  private Process process;

  public Conmand(Path launcher, Path root, Path state, Path log, Path pidFile) {
    this.launcher = launcher;
    this.root = root;
    this.state = state;
    this.socket = state.resolve("conman.sock");
    this.log = log;
    this.pidFile = pidFile;
  }

  public Path socket() {
    return socket;
  }

  public Path state() {
    return state;
  }

  public Path root() {
    return root;
  }

  public long pid() {
    return process.pid();
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  /** Spawns the daemon and returns at once (System.nanoTime() just before the spawn is the caller's t0). */
  public void spawn() throws IOException {
    if (alive()) {
      throw new IllegalStateException("conmand already running, pid " + pid());
    }
    Files.writeString(log, "---- spawn " + java.time.Instant.now() + "\n",
        java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.APPEND);
    ProcessBuilder pb = new ProcessBuilder(List.of(launcher.toString(), "--root", root.toString(),
        "--state", state.toString(), "--socket", socket.toString()))
        .redirectInput(new java.io.File("/dev/null"))
        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
        .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile()));
    process = pb.start();
    Files.writeString(pidFile, Long.toString(process.pid()));
  }

  /** Spawns and waits until ListContainers answers; returns the time that took. */
  public Duration start(Duration timeout) throws IOException {
    long t0 = System.nanoTime();
    spawn();
    awaitAnswer(t0, timeout);
    return Duration.ofNanos(System.nanoTime() - t0);
  }

  /** Polls ListContainers on fresh channels (no reconnect back-off) until it answers. */
  public void awaitAnswer(long t0, Duration timeout) {
    long deadline = t0 + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!alive()) {
        throw new IllegalStateException("conmand exited with " + process.exitValue() + "; see " + log);
      }
      if (Files.exists(socket) && answers()) {
        return;
      }
      Procs.sleep(10);
    }
    throw new IllegalStateException("conmand did not answer within " + timeout + "; see " + log);
  }

  private boolean answers() {
    ManagedChannel ch = channel(socket);
    try {
      RuntimeServiceGrpc.newBlockingStub(ch).withDeadlineAfter(2, TimeUnit.SECONDS)
          .listContainers(ListContainersRequest.getDefaultInstance());
      return true;
    } catch (RuntimeException e) {
      return false;
    } finally {
      ch.shutdownNow();
    }
  }

  /** SIGKILL, as a crash: the containers and their conmons live on. */
  public void kill9() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor();
    }
  }

  /** SIGTERM, then SIGKILL after 15 s. */
  public void stop() throws InterruptedException {
    if (process == null || !process.isAlive()) {
      return;
    }
    process.destroy();
    if (!process.waitFor(15, TimeUnit.SECONDS)) {
      kill9();
    }
  }

  public static ManagedChannel channel(Path socket) {
    return Grpc.newChannelBuilder("unix://" + socket.toAbsolutePath(), InsecureChannelCredentials.create())
        .maxInboundMessageSize(64 << 20)
        .build();
  }
}
