package dev.conman.actors;

import dev.conman.network.DnsFiles;
import dev.conman.network.NetworkException;
import dev.conman.network.NetworkMode;
import dev.conman.reconcile.Observation;
import dev.conman.reconcile.Observer;
import dev.conman.runc.BindMount;
import dev.conman.runc.BundleSpec;
import dev.conman.runc.VolumeMount;
import dev.conman.runc.NetNamespace;
import dev.conman.runc.BundleWriter;
import dev.conman.runc.Resources;
import dev.conman.runc.Security;
import dev.conman.runc.UserResolver;
import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.Directories;
import dev.conman.runc.ExitRecord;
import dev.conman.runc.ExitSignals;
import dev.conman.runc.RuntimeFailure;
import dev.conman.runc.RuntimeState;
import dev.conman.runc.Signals;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The blocking side effects of the container lifecycle: bundle files, runc and conmon calls, and
 * waiting for exit files. Called only from the blocking dispatcher; each method either completes
 * the whole operation or throws, and the actor journals which.
 */
public class ContainerOperations {

  /** How often a wait for an exit file reads it when no signal came (a missed inotify event). */
  public static final Duration POLL = Duration.ofMillis(25);

  /** How long a start waits for conmon's exit file of a process that has ended. */
  static final Duration ENDED_EXIT_WAIT = Duration.ofMillis(50);
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(ContainerOperations.class);
  /** Directories only root may enter: a bundle holds the container's environment. */
  private static final java.nio.file.attribute.FileAttribute<?> PRIVATE =
      PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

  private final ContainerRuntime runtime;
  private final ContainerLayout layout;
  private final VolumeStore volumes;
  private final Observer observer;
  private final Duration killGrace;
  private final long logSizeMax;
  private final Images images;
  private final Networks networks;
  private final ExitSignals exitSignals;

  /** What a create made: the init process, and the container's bridge attachment (null off the bridge). */
  public record CreateOutcome(int pid, NetworkAttachment network) {}

  /**
   * @param killGrace how long to wait for the exit file after SIGKILL before giving up: the kernel
   *                  needs a moment to reap, conmon a moment to write
   * @param logSizeMax bytes after which conmon starts a container's log afresh; 0: no limit
   */
  public ContainerOperations(ContainerRuntime runtime, ContainerLayout layout,
      Observer observer, Duration killGrace, long logSizeMax, Images images) {
    this(runtime, layout, observer, killGrace, logSizeMax, images, Networks.HOST_ONLY, new ExitSignals(POLL));
  }

  /** @param exitSignals where the exit watcher tells this class's waits that an exit file appeared */
  public ContainerOperations(ContainerRuntime runtime, ContainerLayout layout,
      Observer observer, Duration killGrace, long logSizeMax, Images images, Networks networks,
      ExitSignals exitSignals) {
    this.networks = networks;
    this.exitSignals = exitSignals;
    this.runtime = runtime;
    this.layout = layout;
    this.volumes = new VolumeStore(layout);
    this.observer = observer;
    this.killGrace = killGrace;
    this.logSizeMax = logSizeMax;
    this.images = images;
  }

  public ContainerLayout layout() {
    return layout;
  }

  /**
   * Attaches the container to its network, writes the bundle and has conmon run {@code runc create}.
   * On failure nothing stays behind: the network is detached and the files removed.
   */
  public CreateOutcome create(String id, ContainerSpec spec) throws RuntimeFailure, IOException, NetworkException {
    Path dir = layout.dir(id);
    Directories.ensure(layout.containersDir());
    Files.createDirectory(dir, PRIVATE);
    NetworkAttachment attachment = null;
    try {
      createBundleDir(id);
      Path rootfs = spec.fromImage() ? images.prepare(spec.imageId(), dir) : Path.of(spec.image());
      if (spec.network().mode() == NetworkMode.BRIDGE) {
        attachment = networks.attach(id, spec.network().ports());
      }
      writeBundle(id, spec, rootfs, attachment);
      return new CreateOutcome(createInRunc(id, spec), attachment);
    } catch (RuntimeFailure | IOException | NetworkException | RuntimeException e) {
      if (attachment != null) {
        detachAfterFailure(id, e);
      }
      removeFiles(id);
      throw e;
    }
  }

  /** The container's bundle directory, private, under the bundles directory (made if missing). */
  private void createBundleDir(String id) throws IOException {
    Directories.ensure(layout.bundlesDir());
    Files.createDirectory(layout.bundle(id), PRIVATE);
  }

  /** config.json in the container's bundle, from its spec, root filesystem and network attachment. */
  private void writeBundle(String id, ContainerSpec spec, Path rootfs, NetworkAttachment attachment)
      throws IOException {
    NetworkSpec net = spec.network();
    String hostname = net.hostnameFor(id);
    BundleWriter.write(layout.bundle(id), id, new BundleSpec(spec.command(), spec.env(), spec.workdir(), rootfs,
        spec.readOnly(), hostname).withResources(spec.resources()).withSecurity(security(rootfs, spec.security()))
        .withNetwork(namespace(net.mode(), attachment), dnsMounts(id, rootfs, spec, hostname, attachment))
        .withVolumes(withVolumeDirectories(spec.mounts()))
        .withTerminal(spec.stdio().terminal()));
  }

  /** A named volume's source is its directory, made at its first use. */
  private List<VolumeMount> withVolumeDirectories(List<VolumeMount> mounts) throws IOException {
    List<VolumeMount> resolved = new ArrayList<>();
    for (VolumeMount m : mounts) {
      resolved.add(m.kind() != VolumeMount.Kind.VOLUME ? m
          : new VolumeMount(m.kind(), volumes.ensure(m.source()).toString(), m.destination(), m.readOnly()));
    }
    return resolved;
  }

  /** The named volumes, in {@code <root>/volumes}. */
  public VolumeStore volumes() {
    return volumes;
  }

  private static NetNamespace namespace(NetworkMode mode, NetworkAttachment attachment) {
    return switch (mode) {
      case NONE -> NetNamespace.NEW;
      case HOST -> NetNamespace.HOST;
      case BRIDGE -> NetNamespace.join(Path.of(attachment.netnsPath()));
    };
  }

  /**
   * resolv.conf, hosts and hostname for a container with a network to name things on (bridge and
   * host), each mounted where the root filesystem has such a file, or could get one: runc would
   * otherwise create it in a read-only root filesystem and fail.
   */
  private List<BindMount> dnsMounts(String id, Path rootfs, ContainerSpec spec, String hostname,
      NetworkAttachment attachment) throws IOException {
    NetworkMode mode = spec.network().mode();
    if (mode == NetworkMode.NONE || !Files.isDirectory(rootfs.resolve("etc"), LinkOption.NOFOLLOW_LINKS)) {
      return List.of();
    }
    DnsFiles.Written files = DnsFiles.write(layout.dir(id).resolve("etc"), hostname,
        attachment == null ? null : attachment.ip(), mode, DnsFiles.Options.defaults());
    List<BindMount> mounts = new ArrayList<>();
    for (Path file : List.of(files.resolvConf(), files.hosts(), files.hostname())) {
      String name = file.getFileName().toString();
      if (!spec.readOnly() || Files.exists(rootfs.resolve("etc").resolve(name), LinkOption.NOFOLLOW_LINKS)) {
        mounts.add(new BindMount(file, "/etc/" + name, false));
      }
    }
    return mounts;
  }

  private void detachAfterFailure(String id, Exception cause) {
    try {
      networks.detach(id);
    } catch (NetworkException | RuntimeException e) {
      cause.addSuppressed(e);
    }
  }

  /**
   * After a restart: releases the attachments of containers the journal does not know (any more),
   * then addresses allocated to nobody. The journal's containers are their actors' business (they
   * release what a finished container holds). A container whose directory exists is being created
   * right now, after the journal was read: it is left alone.
   */
  public void releaseUnknownNetworks(java.util.Set<String> known) {
    try {
      for (String id : networks.attached()) {
        if (!known.contains(id) && !Files.exists(layout.dir(id))) {
          log.warn("releasing the network attachment of {}, a container the journal does not know", id);
          networks.detach(id);
        }
      }
      List<String> reclaimed = networks.reclaimOrphans();
      if (!reclaimed.isEmpty()) {
        log.warn("released addresses allocated to containers without an attachment: {}", reclaimed);
      }
    } catch (NetworkException | RuntimeException e) {
      log.error("cannot release unknown network attachments: {}", e.getMessage());
    }
  }

  /** Releases the container's address and removes its namespace, once it will not run again. */
  public boolean releaseNetwork(String id) throws NetworkException {
    return networks.detach(id);
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
   * What a new run of a finished container began with: its init pid, the network attachment made
   * for it (null when it kept its address, or has no network to attach to), and its exit when the
   * process had already ended by the time the start returned.
   */
  public record RunAgain(int pid, NetworkAttachment attached, Optional<ExitRecord> exit) {}

  /**
   * Runs an exited (or failed) container again, for its restart policy or for a user's start:
   * runc cannot start a stopped container, so it is removed from runc and created anew from the same
   * spec and root filesystem; its directory, logs and the changes to its root filesystem stay. A
   * container on the bridge network that gave its address back gets one again, and its bundle and
   * DNS files are written anew for it; the bundle is written again too when it is gone (it lives in
   * the state directory, which a host reboot empties).
   */
  public RunAgain runAgain(String id, ContainerSpec spec) throws RuntimeFailure, IOException, NetworkException,
      InterruptedException {
    // idempotent: mounts the overlay again if it is gone (a host reboot), keeping the container's changes
    Path rootfs = spec.fromImage() ? images.prepare(spec.imageId(), layout.dir(id)) : Path.of(spec.image());
    runtime.delete(id, true);
    runtime.forgetRuntimeFiles(id);
    Optional<NetworkAttachment> kept = networks.attachment(id);
    NetworkAttachment attached = spec.network().mode() == NetworkMode.BRIDGE && kept.isEmpty()
        ? networks.attach(id, spec.network().ports()) : null;
    try {
      if (attached != null || !Files.isRegularFile(layout.bundle(id).resolve("config.json"), LinkOption.NOFOLLOW_LINKS)) {
        if (!Files.isDirectory(layout.bundle(id), LinkOption.NOFOLLOW_LINKS)) {
          createBundleDir(id);
        }
        writeBundle(id, spec, rootfs, attached != null ? attached : kept.orElse(null));
      }
      int pid = createInRunc(id, spec);
      return new RunAgain(pid, attached, start(id));
    } catch (RuntimeFailure | IOException | InterruptedException | RuntimeException e) {
      if (attached != null) {
        detachAfterFailure(id, e);
      }
      throw e;
    }
  }

  /** Applies new limits to the container's cgroup. */
  public void update(String id, Resources resources) throws RuntimeFailure {
    runtime.update(id, resources);
  }

  /**
   * Starts the created container.
   *
   * <p>A short job has often ended by the time the start returns, and conmon writes its exit file a
   * moment later; for a process that has ended, the start waits for that moment, so that the caller
   * journals the exit with the start in one write and a Wait does not wait for a second one.
   * Without the file by then, the exit watcher reports the exit as usual.
   *
   * @return its exit, when the process has already ended
   */
  public Optional<ExitRecord> start(String id) throws RuntimeFailure, InterruptedException {
    ContainerRuntime.StartedInit init = runtime.start(id);
    Optional<ExitRecord> exit = runtime.exitRecord(id);
    if (exit.isEmpty() && init.ended()) {
      exit = awaitExit(id, ENDED_EXIT_WAIT);
    }
    return exit;
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

  public void pause(String id) throws RuntimeFailure {
    runtime.pause(id);
  }

  public void resume(String id) throws RuntimeFailure {
    runtime.resume(id);
  }

  /** Resumes a container the journal says is paused; false when runc says it is not (any more). */
  public boolean resumeIfPaused(String id) throws RuntimeFailure {
    try {
      runtime.resume(id);
      return true;
    } catch (RuntimeFailure e) {
      if (e.kind() == RuntimeFailure.Kind.NOT_RUNNING) {
        return false;
      }
      throw e;
    }
  }

  /**
   * Removes the container from runc and its files from disk. With {@code kill}, a running process
   * is killed first and its exit returned, so that the journal records how it ended; a {@code
   * paused} one is resumed after the SIGKILL, which a frozen process would otherwise not act on.
   */
  public Optional<ExitRecord> delete(String id, boolean kill, boolean paused)
      throws RuntimeFailure, InterruptedException, NetworkException {
    Optional<ExitRecord> exit = Optional.empty();
    if (kill && signalIfRunning(id, Signals.parse("SIGKILL"))) {
      if (paused) {
        resumeIfPaused(id);
      }
      exit = awaitExit(id, killGrace);
    }
    runtime.delete(id, true);
    runtime.forgetRuntimeFiles(id);
    networks.detach(id);
    removeFiles(id);
    return exit;
  }

  public Observation observe(String id) throws RuntimeFailure, InterruptedException {
    return observer.observe(id);
  }

  /** What runc says, with the network attachment a live container keeps ({@link #observeCutShort}). */
  public record CutShort(Observation observation, NetworkAttachment attachment) {}

  /**
   * What runc says of a container whose create, or start of a finished run, was cut short after its
   * network may have been attached. A container that is there to use it (created, running, paused)
   * keeps the attachment, returned to be journaled; otherwise the run it was made for never began,
   * or is over, and it is released now, complete or half made, before anything is journaled, so
   * that a kill meanwhile leaves the same work to the next start.
   */
  public CutShort observeCutShort(String id) throws RuntimeFailure, InterruptedException, NetworkException {
    Observation seen = observe(id);
    boolean live = seen.exit().isEmpty() && seen.runc().map(RuntimeState::status)
        .filter(s -> s != RuntimeState.Status.STOPPED).isPresent();
    if (live) {
      return new CutShort(seen, networks.attachment(id).orElse(null));
    }
    networks.detach(id);
    return new CutShort(seen, null);
  }

  /** Every container in runc's root; the same {@code runc list} serves the observations of a start. */
  public List<RuntimeState> runcContainers() throws RuntimeFailure {
    return observer.list();
  }

  /** Exec sessions an earlier daemon left (each returned once): see {@link ContainerRuntime#takeLostExecs}. */
  public List<ContainerRuntime.LostExec> takeLostExecs() {
    return runtime.takeLostExecs();
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
    return exitSignals.await(id, limit, () -> runtime.exitRecord(id));
  }

  /**
   * Deletes {@code <root>/containers/<id>} and the bundle recursively, after unmounting an image's
   * root filesystem (deleting through the mount would only whiteout files); links are removed,
   * never followed.
   */
  private void removeFiles(String id) {
    Path dir = layout.dir(id);
    if (Files.exists(dir)) {
      images.discard(dir);
      deleteTree(dir);
    }
    deleteTree(layout.bundle(id));
  }

  private static void deleteTree(Path dir) {
    try {
      dev.conman.images.Fs.deleteRecursively(dir);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot remove " + dir, e);
    }
  }
}
