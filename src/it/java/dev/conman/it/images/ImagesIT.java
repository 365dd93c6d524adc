package dev.conman.it.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.conman.images.Credentials;
import dev.conman.images.GcResult;
import dev.conman.images.Image;
import dev.conman.images.ImageException;
import dev.conman.images.ImageStore;
import dev.conman.images.PullEvent;
import dev.conman.images.PullResult;
import dev.conman.images.RegistryOptions;
import dev.conman.images.RemoveResult;
import dev.conman.images.RootfsBuilder;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The image module against Debian's docker-registry on 127.0.0.1, fed by skopeo with busybox
 * images built offline (scripts/test-registry.sh): pull (OCI manifest and multi-platform index),
 * overlay root file system with the upper layer's whiteouts, a container run by runc on it,
 * pulling again without downloads, 5 concurrent pulls downloading each blob once, a tampered blob,
 * malicious layers pushed with skopeo, Basic auth, removal and garbage collection.
 */
class ImagesIT {

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Path tmp;
  private static TestRegistry registry;

  @BeforeAll
  static void startRegistry() throws Exception {
    assumeTrue("0".equals(run(Duration.ofSeconds(5), "id", "-u").strip()), "needs root (overlayfs, runc)");
    tmp = Files.createTempDirectory("conman-images-it");
    registry = TestRegistry.start(tmp.resolve("registry"), null);
  }

  @AfterAll
  static void stopRegistry() throws Exception {
    if (registry != null) {
      registry.close();
    }
    if (tmp != null) {
      run(Duration.ofSeconds(30), "rm", "-rf", "--one-file-system", tmp.toString());
    }
  }

  private static ImageStore store(String name) {
    return ImageStore.open(tmp.resolve(name), RegistryOptions.builder().retries(0).build());
  }

  private static String ref(String s) {
    return registry.address + "/" + s;
  }

  @Test
  void pullRunInOverlayRemove() throws Exception {
    try (ImageStore store = store("state-main")) {
      List<PullEvent> events = Collections.synchronizedList(new ArrayList<>());
      long t0 = System.nanoTime();
      PullResult cold = store.pull(ref("busybox:latest"), events::add);
      long coldMs = (System.nanoTime() - t0) / 1_000_000;
      Image image = cold.image();
      assertEquals(2, image.layers().size());
      assertEquals(3, cold.blobsDownloaded());
      assertEquals(List.of("/bin/sh"), image.config().cmd());
      assertEquals(List.of("PATH=/bin"), image.config().env());
      assertEquals("amd64", image.architecture());
      assertTrue(events.stream().anyMatch(e -> e.kind() == PullEvent.Kind.DOWNLOADING));

      String layer0 = image.layers().get(0).digest();
      long gets = registry.blobGets(layer0);
      t0 = System.nanoTime();
      PullResult warm = store.pull(ref("busybox:latest"), null);
      long warmMs = (System.nanoTime() - t0) / 1_000_000;
      assertEquals(0, warm.blobsDownloaded());
      assertEquals(gets, registry.blobGets(layer0), "no download the second time");
      System.out.printf("busybox pull from the local registry: cold %d ms (%d bytes), warm %d ms%n", coldMs,
          cold.bytesDownloaded(), warmMs);

      Path container = tmp.resolve("containers/c1");
      RootfsBuilder rootfs = store.rootfs(RootfsBuilder.Mode.OVERLAY);
      Path root = rootfs.prepare(ref("busybox:latest"), container);
      try {
        assertTrue(RootfsBuilder.isMounted(root));
        assertTrue(Files.isExecutable(root.resolve("bin/busybox")));
        assertEquals("busybox", Files.readSymbolicLink(root.resolve("bin/sh")).toString());
        assertFalse(Files.exists(root.resolve("etc/motd-old"), LinkOption.NOFOLLOW_LINKS), "whiteout");
        try (Stream<Path> s = Files.list(root.resolve("opt/data"))) {
          assertEquals(Set.of("c"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()));
        }
        String out = runc(container, root, 0, "cat /etc/motd; ls /opt/data; test -e /etc/motd-old || echo no-old; "
            + "echo written > /tmp/x; id -u");
        assertEquals("hello from the upper layer\nc\nno-old\n0\n", out);
        assertEquals("written\n", Files.readString(container.resolve("overlay/upper/tmp/x")));
        // an unprivileged user in the container reads the layers (the images dir is 0700 on the host)
        assertEquals("hello from the upper layer\n65534\n", runc(container, root, 65534, "cat /etc/motd; id -u"));

        ImageException inUse = assertThrows(ImageException.class,
            () -> store.remove(ref("busybox:latest"), false, id -> id.equals(image.id())));
        assertEquals(ImageException.Code.IN_USE, inUse.code());
      } finally {
        rootfs.release(container);
      }
      assertFalse(RootfsBuilder.isMounted(root));
      rootfs.discard(container);

      RemoveResult removed = store.remove(ref("busybox:latest"), false, id -> false);
      assertTrue(removed.deleted());
      assertEquals(image.id(), removed.imageId());
      assertEquals(2, removed.gc().layersRemoved());
      assertTrue(removed.gc().blobsRemoved() >= 4);
      assertTrue(store.list().isEmpty());
      assertTrue(store.content().list().isEmpty());
      assertEquals(GcResult.NONE, store.gc());
    }
  }

  /** Runs {@code script} with busybox sh in a runc container on {@code rootfs}; returns stdout. */
  private static String runc(Path container, Path rootfs, int uid, String script) throws Exception {
    Path bundle = Files.createDirectories(container.resolve("bundle"));
    Files.deleteIfExists(bundle.resolve("config.json"));
    run(Duration.ofSeconds(10), bundle, "runc", "spec");
    ObjectNode spec = (ObjectNode) JSON.readTree(bundle.resolve("config.json").toFile());
    ((ObjectNode) spec.get("root")).put("path", rootfs.toString()).put("readonly", false);
    ObjectNode process = (ObjectNode) spec.get("process");
    process.put("terminal", false);
    ((ObjectNode) process.get("user")).put("uid", uid).put("gid", uid);
    ArrayNode args = process.putArray("args");
    List.of("/bin/sh", "-c", script).forEach(args::add);
    JSON.writeValue(bundle.resolve("config.json").toFile(), spec);
    String id = "conman-images-it-" + UUID.randomUUID().toString().substring(0, 8);
    String runcRoot = tmp.resolve("runc").toString();
    try {
      return run(Duration.ofSeconds(30), bundle, "runc", "--root", runcRoot, "run", "--bundle", bundle.toString(), id);
    } finally {
      run(Duration.ofSeconds(10), bundle, "runc", "--root", runcRoot, "delete", "--force", id);
    }
  }

  @Test
  void multiPlatformIndexSelectsAmd64() {
    try (ImageStore store = store("state-multi")) {
      Image latest = store.pull(ref("busybox:latest"), null).image();
      PullResult multi = store.pull(ref("busybox:multi"), null);
      assertEquals(latest.id(), multi.image().id(), "the index's linux/amd64 entry is busybox:latest");
      assertEquals(0, multi.blobsDownloaded());
      assertTrue(multi.image().repoTags().containsAll(List.of(ref("busybox:latest"), ref("busybox:multi"))));
      assertTrue(multi.image().repoDigests().contains(ref("busybox") + "@" + multi.digest()));
      assertTrue(!multi.digest().equals(multi.image().manifestDigest()), "the tag names the index");
    }
  }

  @Test
  void fiveConcurrentPullsDownloadEachBlobOnce() throws Exception {
    try (ImageStore store = store("state-concurrent")) {
      ImageStore probe = store; // resolve the digests first without downloading: read the manifest via a pull elsewhere
      List<String> digests;
      try (ImageStore other = store("state-concurrent-probe")) {
        Image i = other.pull(ref("busybox:latest"), null).image();
        digests = new ArrayList<>(i.layers().stream().map(Image.Layer::digest).toList());
        digests.add(i.id());
      }
      Map<String, Long> before = new java.util.HashMap<>();
      for (String d : digests) {
        before.put(d, registry.blobGets(d));
      }
      ExecutorService pool = Executors.newFixedThreadPool(5);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<PullResult>> pulls = new ArrayList<>();
      for (int n = 0; n < 5; n++) {
        pulls.add(pool.submit(() -> {
          go.await();
          return probe.pull(ref("busybox:latest"), null);
        }));
      }
      go.countDown();
      int downloaded = 0;
      for (Future<PullResult> f : pulls) {
        downloaded += f.get(60, TimeUnit.SECONDS).blobsDownloaded();
      }
      pool.shutdown();
      assertEquals(3, downloaded);
      for (String d : digests) {
        assertEquals(before.get(d) + 1, registry.blobGets(d), "GETs of " + d);
      }
      assertEquals(1, store.list().size());
    }
  }

  @Test
  void tamperedBlobIsRejected() throws Exception {
    Image image;
    try (ImageStore probe = store("state-tamper-probe")) {
      image = probe.pull(ref("busybox:latest"), null).image();
    }
    String top = image.layers().get(1).digest();
    Path data = registry.blobData(top.substring(7));
    byte[] original = Files.readAllBytes(data);
    byte[] tampered = original.clone();
    tampered[tampered.length / 2] ^= 0x01;
    Files.write(data, tampered);
    try (ImageStore store = store("state-tamper")) {
      ImageException e = assertThrows(ImageException.class, () -> store.pull(ref("busybox:latest"), null));
      assertEquals(ImageException.Code.DIGEST_MISMATCH, e.code(), e.getMessage());
      assertTrue(e.getMessage().contains(top), e.getMessage());
      assertFalse(Files.exists(tmp.resolve("state-tamper/images/blobs/sha256").resolve(top.substring(7))));
      assertTrue(store.list().isEmpty());
      try (Stream<Path> s = Files.list(tmp.resolve("state-tamper/images/blobs/tmp"))) {
        assertEquals(0, s.count(), "no partial download left");
      }
    } finally {
      Files.write(data, original);
    }
  }

  @Test
  void maliciousLayersNeverWriteOutside() throws Exception {
    Path victim = Files.createDirectories(tmp.resolve("victim"));
    long passwdLinks = (Integer) Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink");
    String etcPasswd = Files.readString(Path.of("/etc/passwd"));
    Map<String, byte[]> layers = Map.of(
        "traversal", new OciLayout.Tar().file("../../../../../../../.." + victim + "/pwned", "x").bytes(),
        "symlink", new OciLayout.Tar().symlink("esc", victim.toString()).file("esc/pwned", "x")
            .symlink("etc-link", "/etc").file("etc-link/passwd", "pwned::0:0::/:/bin/sh\n").bytes(),
        "hardlink", new OciLayout.Tar().hardlink("pw", "/etc/passwd").bytes(),
        "hardlink-up", new OciLayout.Tar().hardlink("pw", "../../../../../../etc/passwd").bytes());
    try (ImageStore store = store("state-evil")) {
      for (Map.Entry<String, byte[]> e : layers.entrySet()) {
        Path layout = tmp.resolve("evil-" + e.getKey());
        OciLayout.write(layout, e.getValue());
        run(Duration.ofSeconds(60), tmp, "skopeo", "copy", "-q", "--dest-tls-verify=false", "oci:" + layout + ":latest",
            "docker://" + ref("evil-" + e.getKey() + ":latest"));
        String r = ref("evil-" + e.getKey() + ":latest");
        if (e.getKey().equals("symlink")) {
          Image i = store.pull(r, null).image(); // neutralised: the writes land inside the snapshot
          Path diff = tmp.resolve("state-evil/images/layers").resolve(i.layers().get(0).chainId().substring(7))
              .resolve("diff");
          assertTrue(Files.isRegularFile(diff.resolve(victim.toString().substring(1)).resolve("pwned")));
          assertTrue(Files.isRegularFile(diff.resolve("etc/passwd")));
        } else {
          ImageException x = assertThrows(ImageException.class, () -> store.pull(r, null), e.getKey());
          assertEquals(ImageException.Code.INVALID_CONTENT, x.code(), x.getMessage());
        }
      }
    }
    try (Stream<Path> s = Files.list(victim)) {
      assertEquals(0, s.count(), "nothing written to the victim directory");
    }
    assertEquals(etcPasswd, Files.readString(Path.of("/etc/passwd")));
    assertEquals(passwdLinks, ((Integer) Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink")).longValue());
  }

  @Test
  void basicAuthRegistry() throws Exception {
    Path dir = Files.createDirectories(tmp.resolve("registry-auth"));
    // reuse the OCI layout built for the main registry
    run(Duration.ofSeconds(30), tmp, "cp", "-a", registry.dir.resolve("oci").toString(),
        registry.dir.resolve("oci.done").toString(), dir.toString());
    try (TestRegistry auth = TestRegistry.start(dir, "alice:s3cret")) {
      String r = auth.address + "/busybox:latest";
      try (ImageStore anonymous = store("state-auth-anon")) {
        ImageException e = assertThrows(ImageException.class, () -> anonymous.pull(r, null));
        assertEquals(ImageException.Code.UNAUTHORIZED, e.code(), e.getMessage());
      }
      try (ImageStore wrong = ImageStore.open(tmp.resolve("state-auth-wrong"), RegistryOptions.builder()
          .credentials(auth.address, new Credentials("alice", "nope")).retries(0).build())) {
        assertEquals(ImageException.Code.UNAUTHORIZED, assertThrows(ImageException.class, () -> wrong.pull(r, null)).code());
      }
      try (ImageStore ok = ImageStore.open(tmp.resolve("state-auth-ok"), RegistryOptions.builder()
          .credentials(auth.address, new Credentials("alice", "s3cret")).retries(0).build())) {
        assertEquals(2, ok.pull(r, null).image().layers().size());
      }
    }
  }

  @Test
  void unknownTagAndRepository() {
    try (ImageStore store = store("state-missing")) {
      ImageException tag = assertThrows(ImageException.class, () -> store.pull(ref("busybox:nope"), null));
      assertEquals(ImageException.Code.NOT_FOUND, tag.code(), tag.getMessage());
      ImageException repo = assertThrows(ImageException.class, () -> store.pull(ref("nothing-here"), null));
      assertEquals(ImageException.Code.NOT_FOUND, repo.code(), repo.getMessage());
    }
  }

  // ------------------------------------------------------------------ helpers

  private static String run(Duration timeout, String... cmd) throws Exception {
    return run(timeout, null, cmd);
  }

  private static String run(Duration timeout, Path cwd, String... cmd) throws Exception {
    ProcessBuilder pb = new ProcessBuilder(cmd);
    if (cwd != null) {
      pb.directory(cwd.toFile());
    }
    pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Path err = Files.createTempFile("images-it", ".err");
    pb.redirectError(err.toFile());
    Process p = pb.start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      p.destroyForcibly();
      throw new IllegalStateException(String.join(" ", cmd) + " timed out");
    }
    String errText = Files.readString(err);
    Files.delete(err);
    if (p.exitValue() != 0) {
      throw new IllegalStateException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out + errText);
    }
    return out;
  }
}
