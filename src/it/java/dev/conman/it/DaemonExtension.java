package dev.conman.it;

import static org.junit.jupiter.api.Assertions.fail;

import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.StartContainerRequest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;

/**
 * Gives a test class a real conmand: one per class ({@code @RegisterExtension static}) where the
 * tests leave the daemon alone, or one per test method ({@code @RegisterExtension} on an instance
 * field) where a test kills it. On a failure the daemon's log tail is printed; a daemon that died
 * without the test killing it fails the test; the daemon and everything it started are cleaned up
 * in every case.
 *
 * <p>Container names are derived from the running test's method name ({@link #name(String)}), so
 * leftovers can be traced to the test that made them.
 */
public final class DaemonExtension
    implements BeforeAllCallback, AfterAllCallback, BeforeEachCallback, AfterEachCallback, TestExecutionExceptionHandler {

  private final boolean perMethod;
  /** How each daemon is started: plain, or on a bridge network of the test's own. */
  private final Starter starter;
  private ConmanDaemon daemon;
  private Path rootfs;
  private String testName = "setup";

  @FunctionalInterface
  private interface Starter {
    ConmanDaemon start() throws IOException;
  }

  private DaemonExtension(boolean perMethod, Starter starter) {
    this.perMethod = perMethod;
    this.starter = starter;
  }

  /** One daemon for all the tests of the class (register on a static field). */
  public static DaemonExtension perClass() {
    return new DaemonExtension(false, ConmanDaemon::start);
  }

  /** A fresh daemon for each test method (register on an instance field). */
  public static DaemonExtension perMethod() {
    return new DaemonExtension(true, ConmanDaemon::start);
  }

  /** A fresh daemon for each test method, whose containers are on {@code network} by default. */
  public static DaemonExtension perMethodOn(BridgeNetwork network) {
    return new DaemonExtension(true, network::start);
  }

  public ConmanDaemon daemon() {
    return daemon;
  }

  /**
   * A busybox root filesystem inside the daemon's temporary directory, built on first use (by
   * whichever thread asks first: client threads of one test may ask at once).
   */
  public synchronized Path rootfs() {
    if (rootfs == null) {
      try {
        rootfs = Rootfs.build(daemon.dir().resolve("rfs"));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return rootfs;
  }

  /** A container name that says which test made it: {@code <testMethod>-<suffix>}. */
  public String name(String suffix) {
    return testName + "-" + suffix;
  }

  /** Creates and starts a container; its id. */
  public String start(CreateContainerRequest request) {
    String id = daemon.runtime().createContainer(request).getContainer().getId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    return id;
  }

  /** Creates and starts a container running {@code /bin/sh -c script} on {@link #rootfs}; its id. */
  public String startShell(String name, String script) {
    return start(Support.create(name, rootfs(), "/bin/sh", "-c", script));
  }

  /** Deletes a container, a running one too (force). */
  public void forceDelete(String id) {
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
  }

  /**
   * The command line of bin/conmanctl talking to this daemon, for a shell; fails when the CLI has
   * not been built.
   */
  public String conmanctl() {
    Path jar = ConmanDaemon.repoRoot().resolve("cli/target/conmanctl.jar");
    if (!Files.isRegularFile(jar)) {
      fail(jar + " is missing: build the CLI first");
    }
    return ConmanDaemon.repoRoot().resolve("bin/conmanctl") + " --socket " + daemon.socket();
  }

  /** Keeps the characters a container name may hold ({@code [a-zA-Z0-9_.-]}), starting alphanumeric. */
  static String sanitize(String s) {
    String clean = s.replaceAll("[^a-zA-Z0-9_.-]", "_").replaceFirst("^[^a-zA-Z0-9]+", "");
    clean = clean.isEmpty() ? "test" : clean;
    return clean.length() > 100 ? clean.substring(0, 100) : clean;
  }

  @Override
  public void beforeAll(ExtensionContext context) throws IOException {
    if (!perMethod) {
      daemon = starter.start();
    }
  }

  @Override
  public void beforeEach(ExtensionContext context) throws IOException {
    testName = sanitize(context.getRequiredTestMethod().getName());
    if (perMethod) {
      synchronized (this) {
        rootfs = null;
      }
      daemon = starter.start();
    }
  }

  @Override
  public void handleTestExecutionException(ExtensionContext context, Throwable throwable) throws Throwable {
    if (daemon != null) {
      System.err.println(context.getDisplayName() + " failed; conmand is " + daemon.processStatus() + "\n"
          + daemon.logTail(60));
    }
    throw throwable;
  }

  @Override
  public void afterEach(ExtensionContext context) {
    try {
      boolean testFailed = context.getExecutionException().isPresent();
      if (daemon != null && !testFailed) {
        if (!daemon.isAlive()) {
          throw new AssertionError("conmand died during " + context.getDisplayName() + ": " + daemon.processStatus()
              + "\n" + daemon.logTail(60));
        }
        assertNothingLeftRunning(context);
      }
    } finally {
      if (perMethod && daemon != null) {
        daemon.close();
        daemon = null;
      }
    }
  }

  /**
   * Every test deletes what it creates, so once it has passed neither runc nor conmon may still run
   * anything for this daemon: what is left was leaked by the daemon (conmon may take a moment to
   * notice its container's end).
   */
  private void assertNothingLeftRunning(ExtensionContext context) {
    long deadline = System.nanoTime() + java.time.Duration.ofSeconds(10).toNanos();
    while (true) {
      java.util.List<String> containers = daemon.runcContainers();
      java.util.List<Long> conmons = daemon.conmonPids();
      if (containers.isEmpty() && conmons.isEmpty()) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new AssertionError(context.getDisplayName() + " deleted its containers, but runc still has "
            + containers + " and conmon processes " + conmons + " still run\n" + daemon.logTail(40));
      }
      ConmanDaemon.sleep(200);
    }
  }

  @Override
  public void afterAll(ExtensionContext context) {
    if (daemon != null) {
      daemon.close();
      daemon = null;
    }
  }
}
