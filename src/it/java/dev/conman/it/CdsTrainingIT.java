package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The launcher's class-data training run (conmand --cds-training, see bin/conmand): it runs
 * containers through two daemons on its scratch directories, leaves none behind, and writes an
 * archive that holds what a gRPC call loads, which a daemon then maps.
 */
class CdsTrainingIT {

  /** Loaded by netty's HTTP/2 server for the first call a daemon answers, not by its start. */
  private static final String LOADED_BY_A_CALL = "io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2FrameReader";

  @TempDir
  Path dir;

  @Test
  void trainsWithContainersLeavesNoneAndWritesAnArchiveADaemonMaps() throws IOException {
    assertTrue(Files.isExecutable(Path.of("/bin/busybox")), "the suite's hosts have busybox-static");
    Path archive = dir.resolve("conmand.jsa");
    Path root = dir.resolve("r");
    Path state = dir.resolve("s");
    List<String> command = new ArrayList<>(ConmanDaemon.command(root, state));
    command.remove("--default-network");
    command.remove("none");
    command.add(1, "-XX:ArchiveClassesAtExit=" + archive);
    command.add("--cds-training");
    Exec.Result r = Exec.run(Duration.ofSeconds(120), ConmanDaemon.processBuilder(command));
    assertEquals(0, r.exitCode(), () -> "the training run failed: " + r);
    assertTrue(Files.size(archive) > 0, "an archive");
    Exec.Result left = Exec.run(Duration.ofSeconds(30), "runc", "--root", state.resolve("runc").toString(), "list", "-q");
    assertEquals("", left.stdout().strip(), "no container left in the training's runc root");

    Path classes = dir.resolve("classes.txt");
    try (ConmanDaemon d = ConmanDaemon.start(List.of("-XX:SharedArchiveFile=" + archive,
        "-Xlog:class+load=info:file=" + classes), List.of())) {
      d.runtime().listContainers(dev.conman.api.v1.ListContainersRequest.getDefaultInstance());
      String loaded = Files.readString(classes);
      assertTrue(loaded.contains(LOADED_BY_A_CALL + " source: shared objects file"),
          "the classes of a call come from the archive");
    }
  }
}
