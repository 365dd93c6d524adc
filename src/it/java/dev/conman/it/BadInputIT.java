package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StopContainerRequest;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Bad requests get the status code that fits and a message naming what was wrong, and the daemon
 * keeps serving afterwards (checked after every test).
 */
class BadInputIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  private static final String UNKNOWN_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @AfterEach
  void daemonStillServes() {
    assertEquals(ServingStatus.SERVING, conman.daemon().health());
    rt().listContainers(ListContainersRequest.getDefaultInstance());
    assertCode(Code.NOT_FOUND, UNKNOWN_ID, () -> rt().getContainer(ref(UNKNOWN_ID)));
  }

  @Test
  void invalidNames() {
    for (String name : List.of("bad/name", "..", "-x", "a b", ".hidden")) {
      assertCode(Code.INVALID_ARGUMENT, name, () -> rt().createContainer(valid(name)));
    }
    StatusRuntimeException empty = Support.assertCode(Code.INVALID_ARGUMENT, () -> rt().createContainer(valid("")));
    assertTrue(empty.getStatus().getDescription().contains("name"), () -> "says the name is missing: " + empty.getStatus());
    String tooLong = "a".repeat(129);
    StatusRuntimeException longName = Support.assertCode(Code.INVALID_ARGUMENT, () -> rt().createContainer(valid(tooLong)));
    String message = longName.getStatus().getDescription();
    assertTrue(message.contains("129") || message.contains(tooLong), () -> "says what is wrong with the name: " + message);
    // 128 characters are allowed
    String longest = conman.name("x") + "y".repeat(128 - conman.name("x").length());
    Container c = rt().createContainer(valid(longest)).getContainer();
    assertEquals(longest, c.getName());
    rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).build());
  }

  @Test
  void badRootfs() throws Exception {
    Path missing = conman.daemon().dir().resolve("no-such-rootfs");
    assertCode(Code.INVALID_ARGUMENT, missing.toString(),
        () -> rt().createContainer(Support.create(conman.name("missing"), missing, "/bin/true")));
    // a relative path must say so with ./ (a bare word is an image reference, pulled from a registry)
    assertCode(Code.INVALID_ARGUMENT, "./rfs",
        () -> rt().createContainer(valid(conman.name("relative")).toBuilder().setImage("./rfs").build()));
    Path file = Files.writeString(conman.daemon().dir().resolve("a-file"), "not a directory");
    assertCode(Code.INVALID_ARGUMENT, file.toString(),
        () -> rt().createContainer(Support.create(conman.name("file"), file, "/bin/true")));
    assertNameFree(conman.name("missing"));
  }

  @Test
  void unknownContainer() {
    for (String ref : List.of(UNKNOWN_ID, "nosuchname", "fedcba")) {
      assertCode(Code.NOT_FOUND, ref, () -> rt().getContainer(ref(ref)));
      assertCode(Code.NOT_FOUND, ref, () -> rt().startContainer(StartContainerRequest.newBuilder().setRef(ref).build()));
      assertCode(Code.NOT_FOUND, ref, () -> rt().stopContainer(StopContainerRequest.newBuilder().setRef(ref).build()));
      assertCode(Code.NOT_FOUND, ref, () -> rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(ref).build()));
    }
  }

  @Test
  void startTwice() {
    String id = rt().createContainer(valid(conman.name("twice"))).getContainer().getId();
    rt().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    StatusRuntimeException e = Support.assertCode(Code.FAILED_PRECONDITION,
        () -> rt().startContainer(StartContainerRequest.newBuilder().setRef(id).build()));
    assertTrue(e.getStatus().getDescription().toUpperCase().contains("RUNNING"), () -> "names the state: " + e.getStatus());
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, rt().getContainer(ref(id)).getContainer().getState());
    forceDelete(id);
  }

  @Test
  void deleteRunningNeedsForce() {
    String name = conman.name("running");
    String id = rt().createContainer(valid(name)).getContainer().getId();
    rt().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    StatusRuntimeException e = Support.assertCode(Code.FAILED_PRECONDITION,
        () -> rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(name).build()));
    assertTrue(e.getStatus().getDescription().contains("force"), () -> "tells how to do it: " + e.getStatus());
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, rt().getContainer(ref(id)).getContainer().getState());

    assertEquals(id, rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(name).setForce(true).build()).getId());
    assertCode(Code.NOT_FOUND, id, () -> rt().getContainer(ref(id)));
    assertTrue(!conman.daemon().runcContainers().contains(id), "runc no longer knows it");
    assertNameFree(name);
  }

  @Test
  void stopOfCreatedContainer() {
    String id = rt().createContainer(valid(conman.name("created"))).getContainer().getId();
    StatusRuntimeException e = Support.assertCode(Code.FAILED_PRECONDITION,
        () -> rt().stopContainer(StopContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(1).build()));
    assertTrue(e.getStatus().getDescription().toUpperCase().contains("CREATED"), () -> "names the state: " + e.getStatus());
    assertEquals(ContainerState.CONTAINER_STATE_CREATED, rt().getContainer(ref(id)).getContainer().getState());
    rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
  }

  @Test
  void badSignalAndTimeout() {
    String id = rt().createContainer(valid(conman.name("signals"))).getContainer().getId();
    rt().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    assertCode(Code.INVALID_ARGUMENT, "SIGFOO",
        () -> rt().killContainer(KillContainerRequest.newBuilder().setRef(id).setSignal("SIGFOO").build()));
    assertCode(Code.INVALID_ARGUMENT, "-1",
        () -> rt().stopContainer(StopContainerRequest.newBuilder().setRef(id).setTimeoutSeconds(-1).build()));
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, rt().getContainer(ref(id)).getContainer().getState());
    forceDelete(id);
  }

  @Test
  void envWithoutEquals() {
    assertCode(Code.INVALID_ARGUMENT, "NOEQUALS",
        () -> rt().createContainer(valid(conman.name("env")).toBuilder().addEnv("A=1").addEnv("NOEQUALS").build()));
    assertNameFree(conman.name("env"));
  }

  @Test
  void commandMissingFromRootfs() throws Exception {
    String name = conman.name("nope");
    List<String> runcBefore = conman.daemon().runcContainers();
    StatusRuntimeException e = Support.assertCode(Code.INVALID_ARGUMENT,
        () -> rt().createContainer(Support.create(name, conman.rootfs(), "/bin/nope")));
    assertTrue(e.getStatus().getDescription().contains("/bin/nope"), () -> "runc's error names the command: " + e.getStatus());
    assertEquals("COMMAND_NOT_FOUND", reason(e));
    assertTrue(rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList().stream()
        .noneMatch(c -> c.getName().equals(name)), "no container left with the name");
    assertEquals(runcBefore, conman.daemon().runcContainers(), "nothing left in runc");
    assertNoRuntimeFiles(e);
    assertNameFree(name);

    StatusRuntimeException directory = Support.assertCode(Code.INVALID_ARGUMENT,
        () -> rt().createContainer(Support.create(conman.name("dir"), conman.rootfs(), "/etc")));
    assertEquals("COMMAND_NOT_EXECUTABLE", reason(directory));
    assertNoRuntimeFiles(directory);
  }

  private static String reason(StatusRuntimeException e) throws Exception {
    return io.grpc.protobuf.StatusProto.fromThrowable(e).getDetails(0).unpack(com.google.rpc.ErrorInfo.class)
        .getReason();
  }

  /** conmon's and runc's files of the failed create are gone with it. */
  private static void assertNoRuntimeFiles(StatusRuntimeException e) throws java.io.IOException {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("create of container ([0-9a-f]{64}) refused")
        .matcher(e.getStatus().getDescription());
    assertTrue(m.find(), e.getStatus().getDescription());
    try (var left = Files.list(conman.daemon().state().resolve("conmon"))) {
      assertEquals(List.of(), left.filter(f -> f.getFileName().toString().startsWith(m.group(1))).toList());
    }
  }

  /** The name can be used (proved by creating and deleting a container with it). */
  private static void assertNameFree(String name) {
    String id = rt().createContainer(valid(name)).getContainer().getId();
    rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
  }

  private static void assertCode(Code code, String offending, org.junit.jupiter.api.function.Executable call) {
    StatusRuntimeException e = Support.assertCode(code, call);
    assertTrue(e.getStatus().getDescription().contains(offending),
        () -> "the message should mention '" + offending + "': " + e.getStatus());
  }

  private static CreateContainerRequest valid(String name) {
    return Support.create(name, conman.rootfs(), "/bin/sleep", "100");
  }

  private static GetContainerRequest ref(String ref) {
    return GetContainerRequest.newBuilder().setRef(ref).build();
  }

  private static void forceDelete(String id) {
    rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
  }

  private static RuntimeServiceBlockingStub rt() {
    return conman.daemon().runtime();
  }
}
