package dev.conman.actors;

import dev.conman.reconcile.Observation;
import dev.conman.reconcile.Observer;
import dev.conman.runc.BundleSpec;
import dev.conman.runc.BundleWriter;
import dev.conman.runc.Resources;
import dev.conman.runc.Security;
import dev.conman.runc.UserResolver;
import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeFailure;
import dev.conman.runc.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * The blocking side effects of the container lifecycle: bundle files, runc and conmon calls, and
 * waiting for exit files. Called only from the blocking dispatcher; each method either completes
 * the whole operation or throws, and the actor journals which.
 */
public class ContainerOperations {

  private static final Duration POLL = Duration.ofMillis(25);

  private final ContainerRuntime runtime;
  private final ContainerLayout layout;
  private final Observer observer;
  private final Duration killGrace;
  private final long logSizeMax;
  private final Images images;

  /**
   * @param killGrace how long to wait for the exit file after SIGKILL before giving up: the kernel
   *                  needs a moment to reap, conmon a moment to write
   * @param logSizeMax bytes after which conmon starts a container's log afresh; 0: no limit
   */
  public ContainerOperations(ContainerRuntime runtime, ContainerLayout layout,
      Observer observer, Duration killGrace, long logSizeMax, Images images) {
    this.runtime = runtime;
    this.layout = layout;
    this.observer = observer;
    this.killGrace = killGrace;
    this.logSizeMax = logSizeMax;
    this.images = images;
  }

  public ContainerLayout layout() {
    return layout;
  }

  /** Writes the bundle and has conmon run {@code runc create}. @return the init process's pid */
  public int create(String id, ContainerSpec spec) throws RuntimeFailure, IOException {
    Path dir = layout.dir(id);
    Files.createDirectories(layout.containersDir());
    Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
    try {
      Path bundle = layout.bundle(id);
      Files.createDirectory(bundle);
      Path rootfs = spec.fromImage() ? images.prepare(spec.imageId(), dir) : Path.of(spec.image());
      BundleWriter.write(bundle, id, new BundleSpec(spec.command(), spec.env(), spec.workdir(), rootfs, spec.readOnly(),
          id.substring(0, 12)).withResources(spec.resources()).withSecurity(security(rootfs, spec.security()))
          .withTerminal(spec.stdio().terminal()));
      return createInRunc(id, spec);
    } catch (RuntimeFailure | IOException | RuntimeException e) {
      removeFiles(id);
      throw e;
    }
  }

  private int createInRunc(String id, ContainerSpec spec) throws RuntimeFailure {
    return runtime.create(new ContainerRuntime.CreateRequest(id, spec.name(), layout.bundle(id), layout.log(id),
        logSizeMax, spec.stdio()));
  }

  /** runc's security settings, with the user resolved in the container's own root filesystem. */
  private static Security security(Path rootfs, ProcessSecurity s) {
    Security security = Security.defaults().withCapabilities(s.capAdd(), s.capDrop()).withPrivileged(s.privileged())
        .withNoNewPrivileges(!s.allowNewPrivileges());
    return s.user().isEmpty() ? security : security.withUser(UserResolver.resolve(rootfs, s.user()));
  }

  /**
   * Runs an exited container again, for its restart policy: runc cannot start a stopped container,
   * so it is removed from runc and created anew from the same bundle and root filesystem.
   *
   * @return the new init pid
   */
  public int restart(String id, ContainerSpec spec) throws RuntimeFailure {
    if (spec.fromImage()) {
      // idempotent: mounts the overlay again if it is gone (a host reboot), keeping the container's changes
      images.prepare(spec.imageId(), layout.dir(id));
    }
    runtime.delete(id, true);
    runtime.forgetRuntimeFiles(id);
    int pid = createInRunc(id, spec);
    runtime.start(id);
    return pid;
  }

  /** Applies new limits to the container's cgroup. */
  public void update(String id, Resources resources) throws RuntimeFailure {
    runtime.update(id, resources);
  }

  public void start(String id) throws RuntimeFailure {
    runtime.start(id);
  }

  public void kill(String id, int signal) throws RuntimeFailure {
    runtime.kill(id, signal);
  }

  /**
   * SIGTERM, up to {@code timeout} for the process to end, then SIGKILL. Returns once conmon has
   * recorded the exit, so that the caller journals the real exit code.
   */
  public ExitRecord stop(String id, Duration timeout) throws RuntimeFailure, InterruptedException {
    if (!timeout.isZero()) {
      signalIfRunning(id, Signals.parse("SIGTERM"));
      Optional<ExitRecord> exit = awaitExit(id, timeout);
      if (exit.isPresent()) {
        return exit.get();
      }
    }
    signalIfRunning(id, Signals.parse("SIGKILL"));
    return awaitExit(id, killGrace).orElseThrow(() -> new RuntimeFailure(RuntimeFailure.Kind.TIMEOUT,
        "no exit recorded " + killGrace.toSeconds() + " s after SIGKILL"));
  }

  /**
   * Removes the container from runc and its files from disk. With {@code kill}, a running process
   * is killed first and its exit returned, so that the journal records how it ended.
   */
  public Optional<ExitRecord> delete(String id, boolean kill) throws RuntimeFailure, InterruptedException {
    Optional<ExitRecord> exit = Optional.empty();
    if (kill && signalIfRunning(id, Signals.parse("SIGKILL"))) {
      exit = awaitExit(id, killGrace);
    }
    runtime.delete(id, true);
    runtime.forgetRuntimeFiles(id);
    removeFiles(id);
    return exit;
  }

  public Observation observe(String id) throws RuntimeFailure, InterruptedException {
    return observer.observe(id);
  }

  /** @return false when the process had already ended */
  private boolean signalIfRunning(String id, int signal) throws RuntimeFailure {
    try {
      runtime.kill(id, signal);
      return true;
    } catch (RuntimeFailure e) {
      if (e.kind() == RuntimeFailure.Kind.NOT_RUNNING) {
        return false;
      }
      throw e;
    }
  }

  private Optional<ExitRecord> awaitExit(String id, Duration limit) throws InterruptedException {
    long deadline = System.nanoTime() + limit.toNanos();
    while (true) {
      Optional<ExitRecord> exit = runtime.exitRecord(id);
      if (exit.isPresent() || System.nanoTime() >= deadline) {
        return exit;
      }
      Thread.sleep(POLL.toMillis());
    }
  }

  /**
   * Deletes {@code <root>/containers/<id>} recursively, after unmounting an image's root filesystem
   * (deleting through the mount would only whiteout files); links are removed, never followed.
   */
  private void removeFiles(String id) {
    Path dir = layout.dir(id);
    if (!Files.exists(dir)) {
      return;
    }
    images.discard(dir);
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot remove " + dir, e);
    }
  }
}
