package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.conman.api.v1.DeleteContainerRequest;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A gRPC client nobody here wrote and that has no .proto files (Debian's python3-grpcio) can check
 * the daemon's health, list its services by reflection, and call them; the socket is 0660.
 */
class GenericClientIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  private static final Path PYTHON = Path.of("/usr/bin/python3");

  @Test
  void pythonGrpcioUsesHealthReflectionAndTheApi() throws Exception {
    assumeTrue(Files.isExecutable(PYTHON), "Debian's /usr/bin/python3 (apt-get install python3-grpcio)");
    Exec.Result grpcio = Exec.run(Duration.ofSeconds(30), PYTHON.toString(), "-c", "import grpc");
    assertEquals(0, grpcio.exitCode(), () -> "python3-grpcio must be installed (apt-get install python3-grpcio): " + grpcio);

    String name = conman.name("seen");
    String id = conman.daemon().runtime().createContainer(Support.create(name, conman.rootfs(), "/bin/sleep", "100"))
        .getContainer().getId();

    Exec.Result r = Exec.run(Duration.ofSeconds(60), PYTHON.toString(), script().toString(),
        "unix://" + conman.daemon().socket(), name);
    assertEquals(0, r.exitCode(), () -> "the Python client failed: " + r);
    List<String> lines = r.stdout().lines().toList();
    assertTrue(lines.contains("health SERVING"), () -> "health: " + r);
    assertTrue(lines.contains("service conman.v1.RuntimeService"), () -> "reflection lists the API: " + r);
    assertTrue(lines.contains("service grpc.health.v1.Health"), () -> "reflection lists health: " + r);
    assertTrue(lines.contains("method CreateContainer") && lines.contains("method WaitContainer"),
        () -> "reflection gives the service's descriptor: " + r);
    assertTrue(lines.contains("get " + name + " CONTAINER_STATE_CREATED /bin/sleep 100"),
        () -> "GetContainer decoded with the reflected descriptors: " + r);
    assertTrue(lines.contains("list 1"), () -> "ListContainers: " + r);
    assertTrue(lines.stream().anyMatch(l -> l.startsWith("unknown NOT_FOUND ") && l.contains("no-such-container-here")),
        () -> "a NOT_FOUND with a message for an unknown name: " + r);

    conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
  }

  @Test
  void socketIsOnlyForRootAndItsGroup() throws Exception {
    Path socket = conman.daemon().socket();
    int mode = (Integer) Files.getAttribute(socket, "unix:mode", LinkOption.NOFOLLOW_LINKS);
    assertEquals(0140000, mode & 0170000, "a Unix socket");
    assertEquals("rw-rw----", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket, LinkOption.NOFOLLOW_LINKS)));
  }

  private static Path script() throws URISyntaxException {
    return Path.of(GenericClientIT.class.getResource("/generic_client.py").toURI());
  }
}
