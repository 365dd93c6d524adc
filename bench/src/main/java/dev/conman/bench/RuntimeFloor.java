package dev.conman.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conman.runc.BundleWriter;
import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.RuncRuntime;
import dev.conman.runc.RuntimeFailure;
import dev.conman.runc.RuntimePaths;
import dev.conman.runc.RuntimeState;
import dev.conman.runc.StdioMode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * conmand's runtime layer alone ({@link RuncRuntime}: conmon runs {@code runc create}, the start is
 * runc's exec.fifo handshake made in-process), without actors, journal or gRPC: the floor under
 * what the daemon can reach while it keeps conmon and runc. Its own state directory (beside
 * conmand's, on the run directory) and one bundle directory per container, since conmon makes its
 * fifos and attach socket in the bundle.
 *
 * <p>Each bundle's config.json is bare runc's, written as the daemon writes its own
 * ({@link BundleWriter}: from a tree, naming the container's cgroup). A copy of bare runc's
 * file names none, and the runtime then parsed it, added the cgroup and wrote it again: a fifth of
 * the floor's CPU in the parallel start, which the daemon never pays.
 */
final class RuntimeFloor {

  private final RuncRuntime runtime;
  private final Path bundles;
  /** Bench names to conman ids (the runtime takes 64 hex characters). */
  private final Map<String, String> ids = new ConcurrentHashMap<>();
  /** Bare runc's config.json files, parsed once each. */
  private final Map<Path, ObjectNode> templates = new ConcurrentHashMap<>();
  private static final ObjectMapper MAPPER = new ObjectMapper();

  RuntimeFloor(Path state, Path work) throws IOException {
    this.runtime = new RuncRuntime(Procs.onPath("runc"), Procs.onPath("conmon"), RuntimePaths.under(state),
        BareRunc.TIMEOUT);
    this.bundles = Files.createDirectories(work.resolve("floor-bundles"));
  }

  /** Creates (through conmon) and starts the container {@code name} of {@code template}'s bundle. */
  void createAndStart(String name, Path template) {
    create(name, template);
    start(name);
  }

  void create(String name, Path template) {
    String id = ids.computeIfAbsent(name, RuntimeFloor::hexId);
    Path bundle = bundles.resolve(id);
    try {
      BundleWriter.write(bundle, id, templates.computeIfAbsent(template, RuntimeFloor::parse).deepCopy());
      runtime.create(new ContainerRuntime.CreateRequest(id, name, bundle, bundle.resolve("log"), -1, StdioMode.NONE));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeFailure e) {
      throw new IllegalStateException(name + ": " + e.getMessage(), e);
    }
  }

  void start(String name) {
    try {
      runtime.start(ids.get(name));
    } catch (RuntimeFailure e) {
      throw new IllegalStateException(name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Until conmon has written the exit file, polled every 0.1 ms as bare runc's wait polls /proc; a
   * conmon that never writes it fails the run after {@link BareRunc#TIMEOUT} instead of hanging it.
   */
  void awaitExit(String name) {
    String id = ids.get(name);
    long deadline = System.nanoTime() + BareRunc.TIMEOUT.toNanos();
    while (runtime.exitRecord(id).isEmpty()) {
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(name + ": no exit file from conmon after " + BareRunc.TIMEOUT.toSeconds() + " s");
      }
      java.util.concurrent.locks.LockSupport.parkNanos(100_000);
    }
  }

  /** runc delete --force, then conmon's files and the bundle, as a delete by conmand. */
  void remove(String name) {
    String id = ids.remove(name);
    if (id == null) {
      return;
    }
    try {
      runtime.delete(id, true);
      runtime.forgetRuntimeFiles(id);
      Path bundle = bundles.resolve(id);
      try (var files = Files.list(bundle)) {
        for (Path f : files.toList()) {
          Files.deleteIfExists(f);
        }
      }
      Files.deleteIfExists(bundle);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (RuntimeFailure e) {
      throw new IllegalStateException(name + ": " + e.getMessage(), e);
    }
  }

  long count(String prefix, boolean runningOnly) {
    Set<String> wanted = ids.entrySet().stream().filter(e -> e.getKey().startsWith(prefix))
        .map(Map.Entry::getValue).collect(Collectors.toSet());
    try {
      return runtime.list().stream().filter(s -> wanted.contains(s.id()))
          .filter(s -> !runningOnly || s.status() == RuntimeState.Status.RUNNING).count();
    } catch (RuntimeFailure e) {
      throw new IllegalStateException("runc list: " + e.getMessage(), e);
    }
  }

  private static ObjectNode parse(Path template) {
    try {
      return (ObjectNode) MAPPER.readTree(template.resolve("config.json").toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String hexId(String name) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(name.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
