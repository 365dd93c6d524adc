package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * What a create request asks for is what the process gets (env, working directory, read-only root,
 * labels), its output lands in the CRI-format log, and the times reported make sense.
 */
class ContainerSpecIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  /** CRI log line: "TIME STREAM TAG TEXT". */
  private static final Pattern CRI_LINE = Pattern.compile("(\\S+) (stdout|stderr) ([FP]) (.*)");

  @Test
  void envWorkdirReadOnlyAndLabelsReachTheProcess() throws Exception {
    String name = conman.name("spec");
    Map<String, String> labels = Map.of("suite", "conman-it", "test", name);
    var request = Support.create(name, conman.rootfs(), "/bin/sh", "-c",
            "echo \"foo=$FOO\"; pwd; (echo x > /probe) 2>/dev/null || echo read-only-refused; echo to-stderr >&2")
        .toBuilder().addEnv("FOO=bar baz").setWorkdir("/tmp").setReadOnly(true).putAllLabels(labels).build();
    Container created = conman.daemon().runtime().createContainer(request).getContainer();
    assertEquals(List.of("FOO=bar baz"), created.getEnvList());
    assertEquals("/tmp", created.getWorkdir());
    assertTrue(created.getReadOnly());
    assertEquals(labels, created.getLabelsMap());
    assertEquals(conman.rootfs().toRealPath().toString(), created.getImage());

    String id = created.getId();
    conman.daemon().runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    Container done = conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, done.getState());
    assertEquals(0, done.getExitCode(), () -> "exit code; log:\n" + read(done.getLogPath()));

    List<String> stdout = new java.util.ArrayList<>();
    List<String> stderr = new java.util.ArrayList<>();
    for (String line : read(done.getLogPath()).lines().toList()) {
      Matcher m = CRI_LINE.matcher(line);
      assertTrue(m.matches(), () -> "CRI log format: " + line);
      Instant.parse(m.group(1).replaceFirst("\\+00:00$", "Z"));
      (m.group(2).equals("stdout") ? stdout : stderr).add(m.group(4));
    }
    assertEquals(List.of("foo=bar baz", "/tmp", "read-only-refused"), stdout);
    assertEquals(List.of("to-stderr"), stderr);

    var byLabel = ListContainersRequest.newBuilder().putLabels("test", name).build();
    assertEquals(List.of(id), conman.daemon().runtime().listContainers(byLabel).getContainersList().stream()
        .map(Container::getId).toList());
    var otherValue = ListContainersRequest.newBuilder().putLabels("test", name + "-other").build();
    assertEquals(List.of(), conman.daemon().runtime().listContainers(otherValue).getContainersList());

    conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
    assertTrue(Files.notExists(Path.of(done.getLogPath())), "delete removes the log");
  }

  /**
   * A container cannot finish before it started: created <= started <= finished. A process that
   * ends at once makes a late start stamp visible; a few rounds, because it is a race.
   */
  @Test
  void timesAreInOrderForShortLivedContainers() {
    for (int round = 0; round < 5; round++) {
      String id = conman.daemon().runtime().createContainer(Support.create(conman.name("quick" + round),
          conman.rootfs(), "/bin/true")).getContainer().getId();
      conman.daemon().runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
      Container c = conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build())
          .getContainer();
      conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
      Instant created = instant(c.getCreatedAt());
      Instant started = instant(c.getStartedAt());
      Instant finished = instant(c.getFinishedAt());
      assertTrue(!started.isBefore(created), () -> "started " + started + " before created " + created);
      assertTrue(!finished.isBefore(started), () -> "finished " + finished + " before started " + started);
    }
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }

  private static String read(String path) {
    try {
      return Files.readString(Path.of(path));
    } catch (java.io.IOException e) {
      return "(cannot read " + path + ": " + e + ")";
    }
  }
}
