package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

import com.google.protobuf.CodedOutputStream;
import com.google.protobuf.Descriptors;
import com.google.protobuf.Timestamp;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.EventServiceGrpc.EventServiceBlockingStub;
import dev.conman.api.v1.EventsProto;
import dev.conman.api.v1.Filter;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeProto;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StatusAtRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.SubscribeRequest;
import dev.conman.api.v1.WaitCondition;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.CallOptions;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.Status.Code;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import io.grpc.stub.ClientCalls;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Hostile and malformed input to every RPC of RuntimeService and EventService, table-driven. Each
 * case must get a clear gRPC error (the expected code, a non-empty message of bounded length with no
 * raw control characters, naming what was wrong where that is checked), the daemon must keep serving
 * (health SERVING, ListContainers answers, a running "victim" container is untouched), and nothing
 * may change on disk outside conman's roots: a sentinel directory (whose files, symlinks into the
 * daemon's roots and to "/" serve as rootfs and ref candidates) and the daemon's temporary directory
 * minus its root and state are snapshotted before and after each case; inside the roots, no
 * container directory, runc container, exit or conmon file may appear.
 *
 * <p>Also: raw bytes through a pass-through marshaller for what a generated client cannot send (a
 * message over the 4 MB maximum, truncated protobuf, strings that are not UTF-8, unknown fields),
 * for every method of both services as their descriptors list them; ambiguous id prefixes; and a
 * check that the table covers every RPC, so that a new RPC fails here until it has cases.
 */
class HostileInputIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  private static final int MB = 1 << 20;
  private static final String ONE_MB = "a".repeat(MB);
  private static final String UNKNOWN_ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
  /** A clear message names the problem; it does not echo a megabyte back. */
  private static final int MAX_DESCRIPTION = 4096;

  private static final Set<Code> INVALID = Set.of(Code.INVALID_ARGUMENT);
  private static final Set<Code> NOT_FOUND = Set.of(Code.NOT_FOUND);
  private static final Set<Code> INVALID_OR_NOT_FOUND = Set.of(Code.INVALID_ARGUMENT, Code.NOT_FOUND);
  private static final Set<Code> TOO_LARGE = Set.of(Code.RESOURCE_EXHAUSTED);
  /** What grpc-java answers for a request it cannot parse: any error will do, OK will not. */
  private static final Set<Code> UNPARSABLE = Set.of(Code.INTERNAL, Code.INVALID_ARGUMENT, Code.CANCELLED,
      Code.UNKNOWN, Code.DATA_LOSS);

  private static Path sentinel;
  private static Container victim;
  /** How many cases got each status code, and an example of each: printed at the end. */
  private static final Map<String, String> answers = new java.util.concurrent.ConcurrentSkipListMap<>();


  @BeforeAll
  static void makeSentinel() throws IOException {
    ConmanDaemon d = conman.daemon();
    sentinel = Files.createTempDirectory(Path.of("/tmp"), "hostile");
    Files.writeString(sentinel.resolve("file"), "a file, not a directory");
    Files.createDirectory(sentinel.resolve("dir"));
    Files.writeString(sentinel.resolve("dir/keep"), "must survive");
    Files.createSymbolicLink(sentinel.resolve("to-slash"), Path.of("/"));
    Files.createSymbolicLink(sentinel.resolve("to-root"), d.root());
    Files.createSymbolicLink(sentinel.resolve("to-state"), d.state());
    Files.createSymbolicLink(sentinel.resolve("to-tmp"), Path.of("/tmp"));
    Files.createSymbolicLink(sentinel.resolve("dangling"), sentinel.resolve("nowhere"));
  }

  /** A running container that every case must leave alone (deleted after each test: the extension checks). */
  @BeforeEach
  void startVictim() {
    ConmanDaemon d = conman.daemon();
    victim = d.runtime().createContainer(Support.create("victim", conman.rootfs(), "/bin/sleep", "300")).getContainer();
    victim = d.runtime().startContainer(StartContainerRequest.newBuilder().setRef(victim.getId()).build()).getContainer();
  }

  @AfterEach
  void deleteVictim() {
    if (victim != null && conman.daemon().isAlive()) {
      conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(victim.getId())
          .setForce(true).build());
    }
    victim = null;
  }

  @AfterAll
  static void removeSentinel() throws IOException {
    if (!answers.isEmpty()) {
      System.out.println("HostileInputIT answers by status code: " + answers);
    }
    if (sentinel != null) {
      ConmanDaemon.deleteTree(sentinel);
    }
  }

  // ------------------------------------------------------------------ the table

  /** One hostile request: which RPC, what is wrong with it, what must come back. */
  record Case(String rpc, String what, Supplier<Status> call, Set<Code> expected, String mentions) {
    String label() {
      return rpc + ": " + what;
    }
  }

  @TestFactory
  Stream<DynamicTest> everyRpcAnswersHostileInputWithAClearErrorAndKeepsServing() {
    return cases().stream().map(c -> dynamicTest(c.label(), () -> check(c)));
  }

  private static List<Case> cases() {
    ConmanDaemon d = conman.daemon();
    String rootfs = conman.rootfs().toString();
    List<Case> t = new ArrayList<>();

    // -------- CreateContainer: names
    Map<String, String> badNames = new java.util.LinkedHashMap<>();
    badNames.put("empty name", "");
    badNames.put("1 MB name", ONE_MB);
    badNames.put("name '/'", "/");
    badNames.put("name with '/'", "a/b");
    badNames.put("name '..'", "..");
    badNames.put("name '.'", ".");
    badNames.put("name '../x'", "../x");
    badNames.put("name leading to the sentinel", "../../../../.." + sentinel + "/pwned");
    badNames.put("name with NUL", "a\0b");
    badNames.put("name with ESC sequence", "a\u001b[2Jb");
    badNames.put("name with newline", "a\nb");
    badNames.put("name with tab", "a\tb");
    badNames.put("name with DEL", "a\u007fb");
    badNames.put("non-ASCII name", "caf\u00e9");
    badNames.put("name of 129 characters", "n".repeat(129));
    badNames.put("name starting with '-'", "-rf");
    badNames.put("name ' '", " ");
    badNames.put("name with '%n'", "a%n%s");
    badNames.forEach((what, name) -> t.add(new Case("CreateContainer", what,
        () -> Support.status(() -> rt().createContainer(valid(name))), INVALID, "name")));

    // -------- CreateContainer: root filesystems
    Map<String, String> badImages = new java.util.LinkedHashMap<>();
    badImages.put("empty image", "");
    badImages.put("relative image path './'", "./rfs");
    badImages.put("image path with '..'", rootfs + "/../rfs");
    badImages.put("image path '/tmp/..'", "/tmp/..");
    badImages.put("missing image directory", sentinel + "/missing");
    badImages.put("image that is a file", sentinel + "/file");
    badImages.put("image that is a device", "/dev/null");
    badImages.put("image '/'", "/");
    badImages.put("image '//'", "//");
    badImages.put("image symlink to '/'", sentinel + "/to-slash");
    badImages.put("image = the daemon's root", d.root().toString());
    badImages.put("image inside the daemon's root", d.root().resolve("containers").toString());
    badImages.put("image = the daemon's state", d.state().toString());
    badImages.put("image inside the daemon's state", d.state().resolve("runc").toString());
    badImages.put("image holding the daemon's root", d.dir().toString());
    badImages.put("image '/tmp' (holds the daemon's root)", "/tmp");
    badImages.put("image symlink into the daemon's root", sentinel + "/to-root");
    badImages.put("image symlink into the daemon's state", sentinel + "/to-state");
    badImages.put("image symlink to /tmp", sentinel + "/to-tmp");
    badImages.put("dangling image symlink", sentinel + "/dangling");
    badImages.put("image with NUL", rootfs + "\0/x");
    badImages.put("1 MB image path", "/" + ONE_MB);
    // an image that does not start with '/' or '.' is an image reference: malformed ones are refused before any pull
    badImages.put("reference with upper case", "Busybox");
    badImages.put("reference with a space", "busy box");
    badImages.put("reference with a bad digest", "busybox@sha256:xyz");
    badImages.put("reference with a bad tag", "busybox:-x");
    badImages.put("reference with port out of range", "localhost:99999/busybox:1");
    badImages.put("reference with a trailing slash", "rfs/");
    badImages.put("reference with terminal escape", "busybox\u001b[2J");
    badImages.put("1 MB reference", ONE_MB);
    badImages.forEach((what, image) -> t.add(new Case("CreateContainer", what,
        () -> Support.status(() -> rt().createContainer(valid("img").toBuilder().setImage(image).build())), INVALID,
        "image|root filesystem")));

    // -------- CreateContainer: command, env, workdir, labels
    t.add(new Case("CreateContainer", "no command", () -> Support.status(() -> rt().createContainer(
        valid("cmd").toBuilder().clearCommand().build())), INVALID, "command"));
    t.add(new Case("CreateContainer", "empty command", () -> Support.status(() -> rt().createContainer(
        valid("cmd").toBuilder().clearCommand().addCommand("").build())), INVALID, "command"));
    t.add(new Case("CreateContainer", "argument with NUL", () -> Support.status(() -> rt().createContainer(
        valid("cmd").toBuilder().addCommand("a\0b").build())), INVALID, "NUL"));
    t.add(new Case("CreateContainer", "1025 arguments", () -> Support.status(() -> rt().createContainer(
        valid("cmd").toBuilder().addAllCommand(Collections.nCopies(1025, "x")).build())), INVALID, "command argument"));
    t.add(new Case("CreateContainer", "1 MB argument", () -> Support.status(() -> rt().createContainer(
        valid("cmd").toBuilder().addCommand(ONE_MB).build())), INVALID, "command argument"));
    for (String env : List.of("NOEQUALS", "=value", "", "A\0B=c", ONE_MB)) {
      t.add(new Case("CreateContainer", "env entry " + printable(env), () -> Support.status(() -> rt().createContainer(
          valid("env").toBuilder().addEnv("OK=1").addEnv(env).build())), INVALID, "environment"));
    }
    t.add(new Case("CreateContainer", "1025 env entries", () -> Support.status(() -> rt().createContainer(
        valid("env").toBuilder().addAllEnv(Collections.nCopies(1025, "A=b")).build())), INVALID, "environment"));
    for (String workdir : List.of("tmp", "../", "/a\0b")) {
      t.add(new Case("CreateContainer", "workdir " + printable(workdir), () -> Support.status(() -> rt().createContainer(
          valid("wd").toBuilder().setWorkdir(workdir).build())), INVALID, "workdir"));
    }
    // -------- mounts: the host's paths a container may see
    Map<String, dev.conman.api.v1.Mount> mounts = new java.util.LinkedHashMap<>();
    mounts.put("mount of type nfs", dev.conman.api.v1.Mount.newBuilder().setType("nfs").setSource("/tmp")
        .setDestination("/x").build());
    mounts.put("mount without a type", dev.conman.api.v1.Mount.newBuilder().setSource("/tmp").setDestination("/x")
        .build());
    mounts.put("bind of a relative path", bindMount("tmp", "/x"));
    mounts.put("bind of /", bindMount("/", "/host"));
    mounts.put("bind of the daemon's root", bindMount(conman.daemon().root().toString(), "/x"));
    mounts.put("bind with ..", bindMount("/tmp/../etc", "/x"));
    mounts.put("bind with NUL", bindMount("/tmp\0", "/x"));
    mounts.put("bind onto /", bindMount("/tmp", "/"));
    mounts.put("bind onto /proc/sys", bindMount("/tmp", "/proc/sys"));
    mounts.put("bind onto a relative path", bindMount("/tmp", "x"));
    mounts.put("tmpfs with a source", dev.conman.api.v1.Mount.newBuilder().setType("tmpfs").setSource("/tmp")
        .setDestination("/x").build());
    mounts.put("volume named ../x", dev.conman.api.v1.Mount.newBuilder().setType("volume").setSource("../x")
        .setDestination("/x").build());
    mounts.forEach((what, mount) -> t.add(new Case("CreateContainer", what, () -> Support.status(() ->
        rt().createContainer(valid("mnt").toBuilder().addMounts(mount).build())), INVALID, "mount")));
    t.add(new Case("CreateContainer", "65 mounts", () -> Support.status(() -> rt().createContainer(
        valid("mnt").toBuilder().addAllMounts(java.util.stream.IntStream.range(0, 65).mapToObj(i ->
            dev.conman.api.v1.Mount.newBuilder().setType("tmpfs").setDestination("/t" + i).build()).toList())
            .build())), INVALID, "mounts"));
    t.add(new Case("CreateContainer", "empty label key", () -> Support.status(() -> rt().createContainer(
        valid("lbl").toBuilder().putLabels("", "v").build())), INVALID, "label"));
    t.add(new Case("CreateContainer", "label key with NUL", () -> Support.status(() -> rt().createContainer(
        valid("lbl").toBuilder().putLabels("a\0b", "v").build())), INVALID, "label"));
    Map<String, String> many = new HashMap<>();
    for (int i = 0; i < 1025; i++) {
      many.put("k" + i, "v");
    }
    t.add(new Case("CreateContainer", "1025 labels", () -> Support.status(() -> rt().createContainer(
        valid("lbl").toBuilder().putAllLabels(many).build())), INVALID, "label"));
    t.add(new Case("CreateContainer", "5 MB message (limit 4 MB)", () -> Support.status(() -> rt().createContainer(
        valid("big").toBuilder().putLabels("big", "x".repeat(5 * MB)).build())), TOO_LARGE, null));

    // -------- CreateContainer: restart policy, limits, user, capabilities
    for (String policy : List.of("bogus", "on-failure:-1", "on-failure:x", "always:3", "no\0", "\u001b[2J", ONE_MB)) {
      t.add(new Case("CreateContainer", "restart policy " + printable(policy), () -> Support.status(() -> rt().createContainer(
          valid("rp").toBuilder().setRestartPolicy(policy).build())), INVALID, "restart"));
    }
    badResources().forEach((what, res) -> t.add(new Case("CreateContainer", what, () -> Support.status(() -> rt().createContainer(
        valid("res").toBuilder().setResources(res).build())), INVALID, null)));
    for (String user : List.of("a:b:c", "-1", "root\0", ":", "nosuchuser", "\u001b[2J", ONE_MB)) {
      t.add(new Case("CreateContainer", "user " + printable(user), () -> Support.status(() -> rt().createContainer(
          valid("usr").toBuilder().setUser(user).build())), INVALID, "user"));
    }
    for (String cap : List.of("CAP_NOPE", "", "CAP_SYS_ADMIN\0", "\u001b[2J", ONE_MB)) {
      t.add(new Case("CreateContainer", "cap_add " + printable(cap), () -> Support.status(() -> rt().createContainer(
          valid("cap").toBuilder().addCapAdd(cap).build())), INVALID, "capabilit"));
      t.add(new Case("CreateContainer", "cap_drop " + printable(cap), () -> Support.status(() -> rt().createContainer(
          valid("cap").toBuilder().addCapDrop(cap).build())), INVALID, "capabilit"));
    }

    for (String network : List.of("galaxy", "bridge\0", "\u001b[2J", ONE_MB)) {
      t.add(new Case("CreateContainer", "network " + printable(network), () -> Support.status(() -> rt().createContainer(
          valid("net").toBuilder().setNetwork(network).build())), INVALID, "network"));
    }
    for (String port : List.of("80", "0:80", "70000:80", "a:b", "1.2.3:80:80", "80:80/sctp", "80:80/", "", ONE_MB)) {
      t.add(new Case("CreateContainer", "publish " + printable(port), () -> Support.status(() -> rt().createContainer(
          valid("pub").toBuilder().setNetwork("bridge").addPublish(port).build())), INVALID, "port"));
    }
    t.add(new Case("CreateContainer", "publish without the bridge network", () -> Support.status(() -> rt().createContainer(
        valid("pub").toBuilder().setNetwork("none").addPublish("8080:80").build())), INVALID, "bridge"));
    t.add(new Case("CreateContainer", "same host port twice", () -> Support.status(() -> rt().createContainer(
        valid("pub").toBuilder().setNetwork("bridge").addPublish("8080:80").addPublish("8080:81").build())),
        INVALID, "twice"));
    for (String hostname : List.of("bad_host!", "-x", "a..b", "x".repeat(254), "\u001b[2J", "web\0")) {
      t.add(new Case("CreateContainer", "hostname " + printable(hostname), () -> Support.status(() -> rt().createContainer(
          valid("hn").toBuilder().setHostname(hostname).build())), INVALID, "hostname"));
    }

    // -------- UpdateContainer: limits (on the running victim, which must survive unchanged)
    t.add(new Case("UpdateContainer", "no resources", () -> Support.status(() -> rt().updateContainer(
        dev.conman.api.v1.UpdateContainerRequest.newBuilder().setRef(victim.getId()).build())), INVALID, "resources"));
    badResources().forEach((what, res) -> t.add(new Case("UpdateContainer", what, () -> Support.status(() -> rt().updateContainer(
        dev.conman.api.v1.UpdateContainerRequest.newBuilder().setRef(victim.getId()).setResources(res).build())),
        INVALID, null)));
    for (String policy : List.of("sometimes", "on-failure:-1", "always\0")) {
      t.add(new Case("UpdateContainer", "restart policy " + printable(policy), () -> Support.status(() ->
          rt().updateContainer(dev.conman.api.v1.UpdateContainerRequest.newBuilder().setRef(victim.getId())
              .setRestartPolicy(policy).build())), INVALID, "restart policy"));
    }

    // -------- ListContainerStats takes nothing: a plain request answers
    t.add(new Case("ListContainerStats", "plain request", () -> Support.status(() -> rt().listContainerStats(
        dev.conman.api.v1.ListContainerStatsRequest.getDefaultInstance())), Set.of(Code.OK), null));

    // -------- volumes: names that would leave <root>/volumes, or that no volume has
    for (String name : List.of("", "..", "../etc", "a/b", "-x", "a\0b", "x".repeat(129))) {
      t.add(new Case("CreateVolume", "name " + printable(name), () -> Support.status(() -> volumes()
          .createVolume(dev.conman.api.v1.CreateVolumeRequest.newBuilder().setName(name).build())), INVALID,
          "volume name"));
      t.add(new Case("RemoveVolume", "name " + printable(name), () -> Support.status(() -> volumes()
          .removeVolume(dev.conman.api.v1.RemoveVolumeRequest.newBuilder().setName(name).build())), INVALID,
          "volume name"));
    }
    t.add(new Case("RemoveVolume", "a volume that does not exist", () -> Support.status(() -> volumes()
        .removeVolume(dev.conman.api.v1.RemoveVolumeRequest.newBuilder().setName("nonexistent").build())),
        Set.of(Code.NOT_FOUND), "no such volume"));
    t.add(new Case("ListVolumes", "plain request", () -> Support.status(() -> volumes()
        .listVolumes(dev.conman.api.v1.ListVolumesRequest.getDefaultInstance())), Set.of(Code.OK), null));
    // -------- GetInfo takes nothing: a plain request answers
    t.add(new Case("GetInfo", "plain request", () -> Support.status(() -> dev.conman.api.v1.SystemServiceGrpc
        .newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
        .getInfo(dev.conman.api.v1.GetInfoRequest.getDefaultInstance())), Set.of(Code.OK), null));
    // -------- ListNetworks takes nothing: a plain request answers
    t.add(new Case("ListNetworks", "plain request", () -> Support.status(() -> rt().listNetworks(
        dev.conman.api.v1.ListNetworksRequest.getDefaultInstance())), Set.of(Code.OK), null));

    // -------- every RPC that takes a container reference
    Map<String, String> refs = new java.util.LinkedHashMap<>();
    refs.put("empty ref", "");
    refs.put("1 MB ref", ONE_MB);
    refs.put("ref '/'", "/");
    refs.put("ref '..'", "..");
    refs.put("ref '../../etc/passwd'", "../../etc/passwd");
    refs.put("ref = the sentinel's path", sentinel + "/dir");
    refs.put("ref walking up to the sentinel", "../../../../.." + sentinel + "/dir");
    refs.put("ref with NUL", "victim\0");
    refs.put("ref with terminal escape", "\u001b]0;pwned\u0007");
    refs.put("ref with newline", "victim\nvictim");
    refs.put("ref '*'", "*");
    refs.put("ref '%s%n'", "%s%n");
    refs.put("unknown full id", UNKNOWN_ID);
    refs.put("65 hex characters", UNKNOWN_ID + "0");
    refs.put("upper-case id", victim.getId().toUpperCase());
    refs.forEach((what, ref) -> {
      Set<Code> expected = ref.isEmpty() ? INVALID : INVALID_OR_NOT_FOUND;
      t.add(new Case("StartContainer", what, () -> Support.status(() -> rt().startContainer(
          StartContainerRequest.newBuilder().setRef(ref).build())), expected, null));
      t.add(new Case("StopContainer", what, () -> Support.status(() -> rt().stopContainer(
          StopContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(0).build())), expected, null));
      t.add(new Case("KillContainer", what, () -> Support.status(() -> rt().killContainer(
          KillContainerRequest.newBuilder().setRef(ref).setSignal("KILL").build())), expected, null));
      t.add(new Case("DeleteContainer", what, () -> Support.status(() -> rt().deleteContainer(
          DeleteContainerRequest.newBuilder().setRef(ref).setForce(true).build())), expected, null));
      t.add(new Case("GetContainer", what, () -> Support.status(() -> rt().getContainer(
          GetContainerRequest.newBuilder().setRef(ref).build())), expected, null));
      t.add(new Case("WaitContainer", what, () -> Support.status(() -> rt().waitContainer(
          WaitContainerRequest.newBuilder().setRef(ref).build())), expected, null));
      // an unknown full id is looked up in the journal too, in case it was deleted already
      t.add(new Case("WaitContainer", what + ", until removed", () -> Support.status(() -> rt().waitContainer(
          WaitContainerRequest.newBuilder().setRef(ref).setCondition(WaitCondition.WAIT_CONDITION_REMOVED).build())),
          expected, null));
      t.add(new Case("History", what, () -> Support.status(() -> events().history(
          HistoryRequest.newBuilder().setRef(ref).build())), expected, null));
      t.add(new Case("StatusAt", what, () -> Support.status(() -> events().statusAt(
          StatusAtRequest.newBuilder().setRef(ref).setSequence(1).build())), expected, null));
      t.add(new Case("UpdateContainer", what, () -> Support.status(() -> rt().updateContainer(
          dev.conman.api.v1.UpdateContainerRequest.newBuilder().setRef(ref)
              .setResources(dev.conman.api.v1.Resources.newBuilder().setPidsLimit(100)).build())), expected, null));
      t.add(new Case("ContainerStats", what, () -> Support.status(() -> rt().containerStats(
          dev.conman.api.v1.ContainerStatsRequest.newBuilder().setRef(ref).build())), expected, null));
      t.add(new Case("ContainerProcesses", what, () -> Support.status(() -> rt().containerProcesses(
          dev.conman.api.v1.ContainerProcessesRequest.newBuilder().setRef(ref).build())), expected, null));
      t.add(new Case("PauseContainer", what, () -> Support.status(() -> rt().pauseContainer(
          dev.conman.api.v1.PauseContainerRequest.newBuilder().setRef(ref).build())), expected, null));
      t.add(new Case("ResumeContainer", what, () -> Support.status(() -> rt().resumeContainer(
          dev.conman.api.v1.ResumeContainerRequest.newBuilder().setRef(ref).build())), expected, null));
      t.add(new Case("RestartContainer", what, () -> Support.status(() -> rt().restartContainer(
          dev.conman.api.v1.RestartContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(0).build())),
          expected, null));
    });

    // -------- enum fields of requests: unknown values (ENUM_CASES)
    for (int condition : new int[] {2, -1, Integer.MAX_VALUE}) {
      t.add(new Case("WaitContainer", "condition " + condition, () -> Support.status(() -> rt().waitContainer(
          WaitContainerRequest.newBuilder().setRef(victim.getId()).setConditionValue(condition).build())),
          INVALID, "condition"));
    }

    // -------- StopContainer: timeouts, KillContainer: signals (on the running victim, which must survive)
    for (int timeout : new int[] {-1, -86_400, Integer.MIN_VALUE, 86_401, Integer.MAX_VALUE}) {
      t.add(new Case("StopContainer", "timeout " + timeout, () -> Support.status(() -> rt().stopContainer(
          StopContainerRequest.newBuilder().setRef(victim.getId()).setTimeoutSeconds(timeout).build())),
          INVALID, "timeout"));
      t.add(new Case("RestartContainer", "timeout " + timeout, () -> Support.status(() -> rt().restartContainer(
          dev.conman.api.v1.RestartContainerRequest.newBuilder().setRef(victim.getId()).setTimeoutSeconds(timeout)
              .build())), INVALID, "timeout"));
    }
    for (String signal : List.of("0", "65", "-1", "-9", "+9", "SIGNOPE", "SIG", "NOPE", "99999999999999999999",
        "RTMIN+31", "RTMAX-31", "RTMIN+", "9x", "0x9", "1e1", " ", "\t", "9\0", "KILL\0", "\u001b[2J", ONE_MB)) {
      t.add(new Case("KillContainer", "signal " + printable(signal), () -> Support.status(() -> rt().killContainer(
          KillContainerRequest.newBuilder().setRef(victim.getId()).setSignal(signal).build())), INVALID, "signal"));
    }

    // -------- ListContainers: label filters are only compared, never an error
    t.add(new Case("ListContainers", "odd label filters", () -> Support.status(() -> {
      List<Container> listed = rt().listContainers(ListContainersRequest.newBuilder().putLabels("", "")
          .putLabels("a\0b", "\u001b[2J").putLabels("k", ONE_MB).build()).getContainersList();
      if (!listed.isEmpty()) {
        throw new AssertionError("nothing carries these labels, yet " + listed.size() + " containers were listed");
      }
    }), Set.of(Code.OK, Code.INVALID_ARGUMENT), null));

    // -------- Subscribe
    Map<String, SubscribeRequest> subs = new java.util.LinkedHashMap<>();
    subs.put("no since and no follow", SubscribeRequest.getDefaultInstance());
    subs.put("since_offset -1", SubscribeRequest.newBuilder().setSinceOffset(-1).build());
    subs.put("since_offset Long.MIN_VALUE", SubscribeRequest.newBuilder().setSinceOffset(Long.MIN_VALUE).build());
    subs.put("since_offset beyond the end", SubscribeRequest.newBuilder().setSinceOffset(Long.MAX_VALUE).build());
    subs.put("until_offset -1", SubscribeRequest.newBuilder().setSinceOffset(0).setUntilOffset(-1).build());
    subs.put("since_time with negative nanos", SubscribeRequest.newBuilder()
        .setSinceTime(Timestamp.newBuilder().setSeconds(1).setNanos(-1)).build());
    subs.put("since_time before 1970", SubscribeRequest.newBuilder()
        .setSinceTime(Timestamp.newBuilder().setSeconds(-1)).build());
    subs.put("since_time with 10^9 nanos", SubscribeRequest.newBuilder()
        .setSinceTime(Timestamp.newBuilder().setSeconds(1).setNanos(1_000_000_000)).build());
    subs.put("until_time with negative nanos", SubscribeRequest.newBuilder().setSinceOffset(0)
        .setUntilTime(Timestamp.newBuilder().setNanos(-5)).build());
    subs.put("unknown filter key", withFilter("nope", "x"));
    subs.put("empty filter key", withFilter("", "x"));
    subs.put("unknown event type", withFilter("type", "nope"));
    subs.put("event type 1 MB", withFilter("type", ONE_MB));
    subs.put("filter key 1 MB", withFilter(ONE_MB, "x"));
    subs.put("label filter without '='", withFilter("label", "noequals"));
    subs.put("label filter with empty key", withFilter("label", "=v"));
    subs.put("empty container filter", withFilter("container", ""));
    subs.put("type filter with terminal escape", withFilter("type", "\u001b]0;pwned\u0007"));
    subs.forEach((what, req) -> t.add(new Case("Subscribe", what, () -> subscribe(req), INVALID, null)));

    // -------- StatusAt: moments
    Map<String, StatusAtRequest> moments = new java.util.LinkedHashMap<>();
    moments.put("no moment", StatusAtRequest.newBuilder().setRef(victim.getId()).build());
    moments.put("sequence 0", StatusAtRequest.newBuilder().setRef(victim.getId()).setSequence(0).build());
    moments.put("sequence -1", StatusAtRequest.newBuilder().setRef(victim.getId()).setSequence(-1).build());
    moments.put("sequence Long.MIN_VALUE", StatusAtRequest.newBuilder().setRef(victim.getId())
        .setSequence(Long.MIN_VALUE).build());
    moments.put("time with negative nanos", StatusAtRequest.newBuilder().setRef(victim.getId())
        .setTime(Timestamp.newBuilder().setSeconds(1).setNanos(-1)).build());
    moments.put("time before 1970", StatusAtRequest.newBuilder().setRef(victim.getId())
        .setTime(Timestamp.newBuilder().setSeconds(-100)).build());
    moments.put("time before the container existed", StatusAtRequest.newBuilder().setRef(victim.getId())
        .setTime(Timestamp.newBuilder().setSeconds(1)).build());
    moments.put("no moment and unknown ref", StatusAtRequest.newBuilder().setRef(UNKNOWN_ID).build());
    moments.forEach((what, req) -> t.add(new Case("StatusAt", what,
        () -> Support.status(() -> events().statusAt(req)), INVALID, null)));

    t.add(new Case("CreateContainer", "reference to a registry that is not there", () -> Support.status(() -> rt().createContainer(
        valid("reg").toBuilder().setImage("127.0.0.1:1/none/such:1").clearCommand().build())),
        Set.of(Code.UNAVAILABLE, Code.NOT_FOUND), "127.0.0.1:1"));

    // -------- raw bytes: what is not even protobuf, for every unary and server-streaming method the daemon serves
    for (MethodDescriptor<?, ?> m : servedMethods()) {
      String rpc = m.getBareMethodName();
      if (allMethods().contains(m)) {
        continue;
      }
      t.add(new Case(rpc, "5 MB message (raw)", () -> raw(m, field(1000, new byte[5 * MB])), TOO_LARGE, null));
      t.add(new Case(rpc, "truncated protobuf (raw)", () -> raw(m, new byte[] {0x0a, 0x7f, 'a'}), UNPARSABLE, null));
      t.add(new Case(rpc, "field number 0 (raw)", () -> raw(m, new byte[] {0x00, 0x01}), UNPARSABLE, null));
    }

    // -------- raw bytes, for every method of both services
    for (MethodDescriptor<?, ?> m : allMethods()) {
      String rpc = m.getBareMethodName();
      t.add(new Case(rpc, "5 MB message (raw)", () -> raw(m, field(1000, new byte[5 * MB])), TOO_LARGE, null));
      t.add(new Case(rpc, "truncated protobuf (raw)", () -> raw(m, new byte[] {0x0a, 0x7f, 'a'}), UNPARSABLE, null));
      t.add(new Case(rpc, "varint that never ends (raw)", () -> raw(m, new byte[] {0x08, (byte) 0xff, (byte) 0xff,
          (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff,
          (byte) 0xff}), UNPARSABLE, null));
      t.add(new Case(rpc, "field number 0 (raw)", () -> raw(m, new byte[] {0x00, 0x01}), UNPARSABLE, null));
      // an unknown field is ignored: what is left is an empty request, valid only for the List
      // methods and GetInfo, which take nothing
      t.add(new Case(rpc, "only an unknown field (raw)", () -> raw(m, field(4242, "x".getBytes())),
          rpc.startsWith("List") || rpc.equals("GetInfo") ? Set.of(Code.OK) : INVALID, null));
    }

    // -------- strings that are not UTF-8: protobuf-java refuses them in proto3 string fields
    byte[][] notUtf8 = {{(byte) 0xc3, 0x28}, {(byte) 0xff}, {(byte) 0xed, (byte) 0xa0, (byte) 0x80},
        {(byte) 0xc0, (byte) 0xaf}, {'a', (byte) 0x80, 'b'}};
    for (byte[] bad : notUtf8) {
      String hex = hex(bad);
      byte[] valid = valid("utf").toByteArray();
      MethodDescriptor<?, ?> create = RuntimeServiceGrpc.getCreateContainerMethod();
      t.add(new Case("CreateContainer", "name not UTF-8 " + hex, () -> raw(create, concat(valid, field(1, bad))), UNPARSABLE, null));
      t.add(new Case("CreateContainer", "image not UTF-8 " + hex, () -> raw(create, concat(valid, field(2,
          concat(rootfs.getBytes(), bad)))), UNPARSABLE, null));
      t.add(new Case("CreateContainer", "argument not UTF-8 " + hex, () -> raw(create, concat(valid, field(3, bad))), UNPARSABLE, null));
      t.add(new Case("CreateContainer", "env not UTF-8 " + hex, () -> raw(create, concat(valid, field(4,
          concat("A=".getBytes(), bad)))), UNPARSABLE, null));
      t.add(new Case("CreateContainer", "workdir not UTF-8 " + hex, () -> raw(create, concat(valid, field(5,
          concat("/".getBytes(), bad)))), UNPARSABLE, null));
      t.add(new Case("CreateContainer", "label key not UTF-8 " + hex, () -> raw(create, concat(valid, field(7,
          concat(field(1, bad), field(2, "v".getBytes()))))), UNPARSABLE, null));
      for (MethodDescriptor<?, ?> m : List.of(RuntimeServiceGrpc.getStartContainerMethod(),
          RuntimeServiceGrpc.getStopContainerMethod(), RuntimeServiceGrpc.getKillContainerMethod(),
          RuntimeServiceGrpc.getDeleteContainerMethod(), RuntimeServiceGrpc.getGetContainerMethod(),
          RuntimeServiceGrpc.getWaitContainerMethod(), EventServiceGrpc.getHistoryMethod(),
          EventServiceGrpc.getStatusAtMethod(), RuntimeServiceGrpc.getPauseContainerMethod(),
          RuntimeServiceGrpc.getResumeContainerMethod(), RuntimeServiceGrpc.getContainerProcessesMethod(),
          RuntimeServiceGrpc.getRestartContainerMethod())) {
        t.add(new Case(m.getBareMethodName(), "ref not UTF-8 " + hex,
            () -> raw(m, concat(field(1, concat("victim".getBytes(), bad)), new byte[] {0x18, 0x01})), UNPARSABLE, null));
      }
      t.add(new Case("KillContainer", "signal not UTF-8 " + hex, () -> raw(RuntimeServiceGrpc.getKillContainerMethod(),
          concat(field(1, victim.getId().getBytes()), field(2, concat("KILL".getBytes(), bad)))), UNPARSABLE, null));
      t.add(new Case("ListContainers", "label key not UTF-8 " + hex, () -> raw(RuntimeServiceGrpc.getListContainersMethod(),
          field(1, concat(field(1, bad), field(2, "v".getBytes())))), UNPARSABLE, null));
      t.add(new Case("Subscribe", "filter value not UTF-8 " + hex, () -> raw(EventServiceGrpc.getSubscribeMethod(),
          concat(new byte[] {0x08, 0x00}, field(6, concat(field(1, "type".getBytes()), field(2, bad))))),
          UNPARSABLE, null));
    }
    return t;
  }

  private static void check(Case c) {
    ConmanDaemon d = conman.daemon();
    Map<String, String> before = snapshot();
    Status s = c.call().get();
    List<Container> listed = rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
    for (Container extra : listed) {
      if (!extra.getId().equals(victim.getId())) {
        // made by a request that should have been refused: removed, so that the next cases start clean
        Support.status(() -> rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(extra.getId()).setForce(true).build()));
      }
    }
    answers.merge(c.expected().equals(UNPARSABLE) ? "unparsable -> " + s.getCode() : s.getCode().name(),
        "1 (e.g. " + c.label() + ": " + abbreviate(String.valueOf(s.getDescription()), 120) + ")",
        (a, b) -> (Integer.parseInt(a.substring(0, a.indexOf(' '))) + 1) + a.substring(a.indexOf(' ')));
    String got = s.getCode() + (s.getDescription() == null ? "" : ": " + abbreviate(s.getDescription()));
    assertTrue(c.expected().contains(s.getCode()), () -> c.label() + ": expected " + c.expected() + ", got " + got
        + (s.getCause() != null ? " (" + s.getCause() + ")" : ""));
    if (s.getCode() != Code.OK) {
      String m = s.getDescription();
      assertTrue(m != null && !m.isBlank(), () -> c.label() + ": " + s.getCode() + " without a message");
      assertTrue(m.length() <= MAX_DESCRIPTION, () -> c.label() + ": the message is " + m.length()
          + " characters long (the input echoed back?): " + abbreviate(m));
      assertTrue(m.chars().noneMatch(ch -> ch < 0x20 || ch == 0x7f), () -> c.label()
          + ": the message carries raw control characters (a terminal would run them): " + printable(abbreviate(m)));
      if (c.mentions() != null) {
        assertTrue(Stream.of(c.mentions().split("\\|")).anyMatch(w -> m.toLowerCase().contains(w.toLowerCase())),
            () -> c.label() + ": the message should say what is wrong (mention '" + c.mentions() + "'): " + abbreviate(m));
      }
    }
    // still serving, the victim untouched, nothing created
    assertEquals(ServingStatus.SERVING, d.health(), () -> c.label() + ": health after the request\n" + d.logTail(30));
    assertEquals(List.of(victim.getId()), listed.stream().map(Container::getId).toList(),
        () -> c.label() + ": a refused request must create nothing, yet "
            + listed.stream().map(CrashConsistencyIT::brief).toList() + " were listed");
    Container v = listed.get(0);
    assertTrue(v.getState() == ContainerState.CONTAINER_STATE_RUNNING && v.getPid() == victim.getPid(),
        () -> c.label() + ": the victim must still run with pid " + victim.getPid() + ": " + CrashConsistencyIT.brief(v));
    Map<String, String> after = snapshot();
    assertEquals(before, after, () -> c.label() + ": files changed: " + diff(before, after));
    assertTrue(d.isAlive(), () -> c.label() + ": conmand died: " + d.processStatus() + "\n" + d.logTail(40));
  }

  // ------------------------------------------------------------------ coverage

  /** Request fields of enum type that the table sends unknown values of. */
  private static final List<String> ENUM_CASES = List.of("conman.v1.WaitContainerRequest.condition");

  /** The table covers every RPC of both services, and every enum field of a request. */
  @Test
  void theTableCoversEveryRpcOfBothServices() {
    Set<String> all = new TreeSet<>();
    // raw cases are generated for every method: a method needs cases of its own
    Set<String> inTable = cases().stream().filter(c -> !c.what().endsWith("(raw)")).map(Case::rpc)
        .collect(Collectors.toCollection(TreeSet::new));
    for (MethodDescriptor<?, ?> m : allMethods()) {
      all.add(m.getBareMethodName());
    }
    Set<String> missing = new TreeSet<>(all);
    missing.removeAll(inTable);
    assertEquals(Set.of(), missing, "RPCs without hostile-input cases: add them to the table");
    // unknown enum values: a request that gains an enum field needs cases here
    List<String> enums = new ArrayList<>();
    for (Descriptors.ServiceDescriptor svc : List.of(RuntimeProto.getDescriptor().findServiceByName("RuntimeService"),
        EventsProto.getDescriptor().findServiceByName("EventService"))) {
      for (Descriptors.MethodDescriptor m : svc.getMethods()) {
        enumFields(m.getInputType(), new LinkedHashSet<>(), enums);
      }
    }
    assertEquals(ENUM_CASES, enums, "request fields of enum type need cases with unknown values (ENUM_CASES)");
  }

  private static void enumFields(Descriptors.Descriptor type, Set<String> seen, List<String> out) {
    if (!seen.add(type.getFullName())) {
      return;
    }
    for (Descriptors.FieldDescriptor f : type.getFields()) {
      if (f.getJavaType() == Descriptors.FieldDescriptor.JavaType.ENUM) {
        out.add(f.getFullName());
      } else if (f.getJavaType() == Descriptors.FieldDescriptor.JavaType.MESSAGE) {
        enumFields(f.getMessageType(), seen, out);
      }
    }
  }

  // ------------------------------------------------------------------ ambiguous prefixes

  @Test
  void anIdPrefixOfSeveralContainersIsRefusedByEveryRpcAndChangesNothing() throws Exception {
    List<Container> made = new ArrayList<>();
    var pool = java.util.concurrent.Executors.newFixedThreadPool(4);
    try {
      List<java.util.concurrent.Future<Container>> futures = new ArrayList<>();
      for (int i = 0; i < 20; i++) {
        String name = "prefix-" + i;
        futures.add(pool.submit(() -> rt().createContainer(Support.create(name, conman.rootfs(), "/bin/sleep", "300"))
            .getContainer()));
      }
      for (var f : futures) {
        made.add(f.get(60, TimeUnit.SECONDS));
      }
    } finally {
      pool.shutdownNow();
    }
    try {
      Map<String, List<String>> byFirst = new TreeMap<>();
      made.forEach(c -> byFirst.computeIfAbsent(c.getId().substring(0, 1), k -> new ArrayList<>()).add(c.getId()));
      byFirst.computeIfAbsent(victim.getId().substring(0, 1), k -> new ArrayList<>()).add(victim.getId());
      // 21 ids and 16 hex digits: some first digit is shared
      Map.Entry<String, List<String>> shared = byFirst.entrySet().stream().filter(e -> e.getValue().size() > 1)
          .max(java.util.Comparator.comparingInt(e -> e.getValue().size())).orElseThrow();
      String prefix = shared.getKey();
      int n = shared.getValue().size();
      Map<String, Supplier<Status>> calls = new java.util.LinkedHashMap<>();
      calls.put("StartContainer", () -> Support.status(() -> rt().startContainer(StartContainerRequest.newBuilder().setRef(prefix).build())));
      calls.put("StopContainer", () -> Support.status(() -> rt().stopContainer(StopContainerRequest.newBuilder().setRef(prefix)
          .setTimeoutSeconds(0).build())));
      calls.put("KillContainer", () -> Support.status(() -> rt().killContainer(KillContainerRequest.newBuilder().setRef(prefix).build())));
      calls.put("RestartContainer", () -> Support.status(() -> rt().restartContainer(
          dev.conman.api.v1.RestartContainerRequest.newBuilder().setRef(prefix).setTimeoutSeconds(0).build())));
      calls.put("PauseContainer", () -> Support.status(() -> rt().pauseContainer(
          dev.conman.api.v1.PauseContainerRequest.newBuilder().setRef(prefix).build())));
      calls.put("DeleteContainer", () -> Support.status(() -> rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(prefix)
          .setForce(true).build())));
      calls.put("GetContainer", () -> Support.status(() -> rt().getContainer(GetContainerRequest.newBuilder().setRef(prefix).build())));
      calls.put("WaitContainer", () -> Support.status(() -> rt().waitContainer(WaitContainerRequest.newBuilder().setRef(prefix).build())));
      calls.put("History", () -> Support.status(() -> events().history(HistoryRequest.newBuilder().setRef(prefix).build())));
      calls.put("StatusAt", () -> Support.status(() -> events().statusAt(StatusAtRequest.newBuilder().setRef(prefix)
          .setSequence(1).build())));
      List<String> wrong = new ArrayList<>();
      calls.forEach((rpc, call) -> {
        Status s = call.get();
        String m = s.getDescription() == null ? "" : s.getDescription();
        if (s.getCode() != Code.INVALID_ARGUMENT || !m.contains("matches " + n + " containers") || !m.contains(prefix)) {
          wrong.add(rpc + "(" + prefix + ") -> " + s.getCode() + ": " + m);
        }
      });
      assertEquals(List.of(), wrong, "an ambiguous prefix of " + n + " containers " + shared.getValue()
          + " must be INVALID_ARGUMENT saying 'matches " + n + " containers'");
      // nothing changed: the 20 are still CREATED, the victim still RUNNING
      for (Container c : rt().listContainers(ListContainersRequest.getDefaultInstance()).getContainersList()) {
        ContainerState expected = c.getId().equals(victim.getId()) ? ContainerState.CONTAINER_STATE_RUNNING
            : ContainerState.CONTAINER_STATE_CREATED;
        assertEquals(expected, c.getState(), () -> "untouched by the refused requests: " + CrashConsistencyIT.brief(c));
      }
      // a longer, unique prefix works
      String one = shared.getValue().get(0);
      assertEquals(one, rt().getContainer(GetContainerRequest.newBuilder().setRef(one.substring(0, 12)).build())
          .getContainer().getId());
    } finally {
      for (Container c : made) {
        rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).setForce(true).build());
      }
    }
  }

  // ------------------------------------------------------------------ calls

  private static RuntimeServiceBlockingStub rt() {
    return conman.daemon().runtime();
  }

  private static EventServiceBlockingStub events() {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  /** Resource limits that are out of range or malformed. */
  private static Map<String, dev.conman.api.v1.Resources> badResources() {
    Map<String, dev.conman.api.v1.Resources> r = new java.util.LinkedHashMap<>();
    java.util.function.Supplier<dev.conman.api.v1.Resources.Builder> b = dev.conman.api.v1.Resources::newBuilder;
    r.put("memory 1 byte", b.get().setMemoryBytes(1).build());
    r.put("memory -1", b.get().setMemoryBytes(-1).build());
    r.put("memory Long.MIN_VALUE", b.get().setMemoryBytes(Long.MIN_VALUE).build());
    r.put("memory+swap below memory", b.get().setMemoryBytes(64L << 20).setMemorySwapBytes(8L << 20).build());
    r.put("memory+swap -2", b.get().setMemoryBytes(64L << 20).setMemorySwapBytes(-2).build());
    r.put("cpus -1", b.get().setCpus(-1).build());
    r.put("cpus 0.001", b.get().setCpus(0.001).build());
    r.put("cpus NaN", b.get().setCpus(Double.NaN).build());
    r.put("cpus +Infinity", b.get().setCpus(Double.POSITIVE_INFINITY).build());
    r.put("cpus 1e300", b.get().setCpus(1e300).build());
    r.put("cpu shares 0", b.get().setCpuShares(0).build());
    r.put("cpu shares 262145", b.get().setCpuShares(262_145).build());
    r.put("cpu shares -1", b.get().setCpuShares(-1).build());
    r.put("pids limit -5", b.get().setPidsLimit(-5).build());
    r.put("pids limit 0", b.get().setPidsLimit(0).build());
    r.put("cpuset 'abc'", b.get().setCpusetCpus("abc").build());
    r.put("cpuset '3-1'", b.get().setCpusetCpus("3-1").build());
    r.put("cpuset '0-'", b.get().setCpusetCpus("0-").build());
    r.put("cpuset '99999'", b.get().setCpusetCpus("99999").build());
    r.put("cpuset '0-999999999999'", b.get().setCpusetCpus("0-999999999999").build());
    r.put("cpuset with terminal escape", b.get().setCpusetCpus("\u001b[2J").build());
    return r;
  }

  private static dev.conman.api.v1.VolumeServiceGrpc.VolumeServiceBlockingStub volumes() {
    return dev.conman.api.v1.VolumeServiceGrpc.newBlockingStub(conman.daemon().channel())
        .withDeadlineAfter(30, TimeUnit.SECONDS);
  }

  private static dev.conman.api.v1.Mount bindMount(String source, String destination) {
    return dev.conman.api.v1.Mount.newBuilder().setType("bind").setSource(source).setDestination(destination).build();
  }

  private static CreateContainerRequest valid(String name) {
    return Support.create(name, conman.rootfs(), "/bin/sleep", "300");
  }

  private static SubscribeRequest withFilter(String key, String value) {
    return SubscribeRequest.newBuilder().setSinceOffset(0)
        .addFilters(Filter.newBuilder().setKey(key).setValue(value)).build();
  }


  private static Status subscribe(SubscribeRequest req) {
    return Support.status(() -> {
      Iterator<?> it = EventServiceGrpc.newBlockingStub(conman.daemon().channel())
          .withDeadlineAfter(10, TimeUnit.SECONDS).subscribe(req);
      while (it.hasNext()) {
        it.next();
      }
    });
  }

  /** Every unary and server-streaming method of every conman.v1 service, including images and I/O. */
  private static List<MethodDescriptor<?, ?>> servedMethods() {
    List<MethodDescriptor<?, ?>> all = new ArrayList<>(allMethods());
    all.addAll(dev.conman.api.v1.ImageServiceGrpc.getServiceDescriptor().getMethods());
    all.addAll(dev.conman.api.v1.IoServiceGrpc.getServiceDescriptor().getMethods());
    all.removeIf(m -> m.getType() != MethodDescriptor.MethodType.UNARY
        && m.getType() != MethodDescriptor.MethodType.SERVER_STREAMING);
    return all;
  }

  /** The methods of RuntimeService, EventService, SystemService and VolumeService: every one must have cases. */
  private static List<MethodDescriptor<?, ?>> allMethods() {
    List<MethodDescriptor<?, ?>> all = new ArrayList<>();
    all.addAll(RuntimeServiceGrpc.getServiceDescriptor().getMethods());
    all.addAll(EventServiceGrpc.getServiceDescriptor().getMethods());
    all.addAll(dev.conman.api.v1.SystemServiceGrpc.getServiceDescriptor().getMethods());
    all.addAll(dev.conman.api.v1.VolumeServiceGrpc.getServiceDescriptor().getMethods());
    return all;
  }

  /** Bytes in, bytes out: whatever the generated code would refuse to build. */
  private static final MethodDescriptor.Marshaller<byte[]> RAW = new MethodDescriptor.Marshaller<>() {
    @Override
    public InputStream stream(byte[] value) {
      return new ByteArrayInputStream(value);
    }

    @Override
    public byte[] parse(InputStream stream) {
      try {
        return stream.readAllBytes();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  };

  private static Status raw(MethodDescriptor<?, ?> method, byte[] body) {
    MethodDescriptor<byte[], byte[]> m = method.toBuilder(RAW, RAW).build();
    CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(10, TimeUnit.SECONDS);
    return Support.status(() -> {
      if (m.getType() == MethodDescriptor.MethodType.UNARY) {
        ClientCalls.blockingUnaryCall(conman.daemon().channel(), m, options, body);
      } else {
        Iterator<byte[]> it = ClientCalls.blockingServerStreamingCall(conman.daemon().channel(), m, options, body);
        while (it.hasNext()) {
          it.next();
        }
      }
    });
  }

  /** A length-delimited protobuf field. */
  private static byte[] field(int number, byte[] payload) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    CodedOutputStream c = CodedOutputStream.newInstance(out);
    try {
      c.writeByteArray(number, payload);
      c.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] r = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }

  private static String hex(byte[] b) {
    StringBuilder s = new StringBuilder();
    for (byte x : b) {
      s.append(String.format("%02x", x & 0xff));
    }
    return s.toString();
  }

  // ------------------------------------------------------------------ the file system watch

  /**
   * Every file under the sentinel directory and under the daemon's temporary directory except its
   * root, state and log (path, type, size, mode, mtime, symlink target), plus the names of the
   * per-container entries inside the roots (containers, runc, exits, conmon, attach, bundles).
   */
  private static Map<String, String> snapshot() {
    ConmanDaemon d = conman.daemon();
    Map<String, String> s = new TreeMap<>();
    walk(sentinel, "sentinel", Set.of(), s);
    walk(d.dir(), "daemon-dir", Set.of(d.root(), d.state(), d.log()), s);
    for (Path p : List.of(d.root().resolve("containers"), d.runcRoot(), d.exits(), d.state().resolve("conmon"),
        d.state().resolve("attach"), d.state().resolve("bundles"))) {
      if (Files.isDirectory(p)) {
        try (Stream<Path> entries = Files.list(p)) {
          entries.forEach(e -> s.put("inside-roots:" + d.dir().relativize(e), "present"));
        } catch (IOException e) {
          s.put("inside-roots:" + p, "unreadable " + e);
        }
      }
    }
    return s;
  }

  private static void walk(Path top, String label, Set<Path> excluded, Map<String, String> into) {
    try {
      Files.walkFileTree(top, new SimpleFileVisitor<>() {
        @Override
        public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
          if (excluded.contains(dir)) {
            return FileVisitResult.SKIP_SUBTREE;
          }
          into.put(label + ":" + top.relativize(dir), describe(dir));
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
          if (!excluded.contains(file)) {
            into.put(label + ":" + top.relativize(file), describe(file));
          }
          return FileVisitResult.CONTINUE;
        }

        @Override
        public FileVisitResult visitFileFailed(Path file, IOException e) {
          into.put(label + ":" + top.relativize(file), "unreadable " + e.getClass().getSimpleName());
          return FileVisitResult.CONTINUE;
        }
      });
    } catch (IOException e) {
      into.put(label, "unreadable " + e);
    }
  }

  private static String describe(Path p) {
    try {
      PosixFileAttributes a = Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      String type = a.isSymbolicLink() ? "link->" + Files.readSymbolicLink(p) : a.isDirectory() ? "dir" : a.isRegularFile()
          ? "file" : "other";
      return type + " " + (a.isRegularFile() ? a.size() + " bytes " : "") + PosixFilePermissions.toString(a.permissions())
          + " " + a.owner().getName() + " mtime " + a.lastModifiedTime().toMillis();
    } catch (IOException e) {
      return "unreadable " + e.getClass().getSimpleName();
    }
  }

  private static String diff(Map<String, String> before, Map<String, String> after) {
    List<String> d = new ArrayList<>();
    for (String k : new TreeSet<>(before.keySet())) {
      if (!after.containsKey(k)) {
        d.add("removed " + k);
      } else if (!before.get(k).equals(after.get(k))) {
        d.add("changed " + k + ": " + before.get(k) + " -> " + after.get(k));
      }
    }
    for (String k : after.keySet()) {
      if (!before.containsKey(k)) {
        d.add("created " + k + " (" + after.get(k) + ")");
      }
    }
    return String.join("; ", d);
  }

  // ------------------------------------------------------------------ text

  private static String abbreviate(String s) {
    return abbreviate(s, 300);
  }

  private static String abbreviate(String s, int max) {
    return s.length() <= max ? s : s.substring(0, max) + "... (" + s.length() + " characters)";
  }

  /** Control characters escaped and long strings cut, for test names and messages. */
  private static String printable(String s) {
    StringBuilder b = new StringBuilder("'");
    s.codePoints().limit(40).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.append(s.length() > 40 ? "...(" + s.length() + " chars)'" : "'").toString();
  }
}
