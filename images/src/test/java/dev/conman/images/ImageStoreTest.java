package dev.conman.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.conman.images.ImageException.Code;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageStoreTest {

  @TempDir Path tmp;
  FakeRegistry registry;
  ImageStore store;
  TestImage image;
  final List<Path> mounted = new ArrayList<>();

  static byte[] base() {
    return new TarBuilder().dir("bin", 0755).file("bin/tool", "#!/bin/sh\necho tool\n", 0755)
        .symlink("bin/sh", "tool").dir("etc", 0755).file("etc/gone", "to be deleted").file("etc/kept", "kept")
        .dir("cache", 0755).file("cache/old1", "o").file("cache/old2", "o").dir("tmp", 01777).build();
  }

  static byte[] top() {
    return new TarBuilder().dir("etc", 0755).whiteout("etc", "gone").file("etc/added", "added")
        .opaque("cache").file("cache/new", "n").build();
  }

  @BeforeEach
  void setUp() throws IOException {
    registry = new FakeRegistry();
    image = TestImage.of("amd64", false, base(), top());
    registry.put("app", "1", image);
    store = open();
  }

  private ImageStore open() {
    return ImageStore.open(tmp.resolve("root"), RegistryOptions.builder().retries(0).build());
  }

  @AfterEach
  void tearDown() {
    for (Path d : mounted) {
      try {
        store.rootfs().release(d);
      } catch (RuntimeException ignored) {
        // best effort
      }
    }
    store.close();
    registry.close();
  }

  private String ref(String s) {
    return registry.host() + "/" + s;
  }

  private Path images() {
    return tmp.resolve("root/images");
  }

  @Test
  void pullInspectAndPullAgain() {
    List<PullEvent> events = Collections.synchronizedList(new ArrayList<>());
    PullResult r = store.pull(ref("app:1"), events::add);
    Image i = r.image();
    assertEquals(image.configDigest.toString(), i.id());
    assertEquals(List.of(ref("app:1")), i.repoTags());
    assertEquals(List.of(ref("app") + "@" + image.manifestDigest), i.repoDigests());
    assertEquals(image.manifestDigest.toString(), r.digest());
    assertEquals(3, r.blobsDownloaded());
    assertEquals(List.of("/bin/sh", "-c", "echo hi"), i.config().cmd());
    assertEquals(List.of("PATH=/bin", "A=1"), i.config().env());
    assertEquals("/work", i.config().workingDir());
    assertEquals("1000:1000", i.config().user());
    assertEquals(Map.of("org.example", "yes"), i.config().labels());
    assertEquals("2024-01-02T03:04:05.123456789Z", i.created().toString());
    assertEquals("amd64", i.architecture());
    assertEquals(2, i.layers().size());
    assertEquals(image.diffIds.get(0).toString(), i.layers().get(0).chainId());
    for (Image.Layer l : i.layers()) {
      assertTrue(Files.isDirectory(images().resolve("layers").resolve(l.chainId().substring(7)).resolve("diff")));
      assertTrue(Files.isRegularFile(images().resolve("blobs/sha256").resolve(l.digest().substring(7))));
    }
    assertTrue(events.stream().anyMatch(e -> e.kind() == PullEvent.Kind.DOWNLOADED));
    assertEquals(PullEvent.Kind.DONE, events.get(events.size() - 1).kind());

    assertEquals(i, store.get(ref("app:1")).orElseThrow());
    assertEquals(i, store.get(i.id()).orElseThrow());
    assertEquals(i, store.get(i.shortId()).orElseThrow());
    assertEquals(i, store.get(ref("app@" + image.manifestDigest)).orElseThrow());
    assertFalse(store.get(ref("app:2")).isPresent());
    assertEquals(Code.NOT_FOUND, assertThrows(ImageException.class, () -> store.require("nothing")).code());

    int gets = registry.count("/blobs/" + image.layers.get(0));
    PullResult again = store.pull(ref("app:1"), null);
    assertEquals(0, again.blobsDownloaded());
    assertEquals(gets, registry.count("/blobs/" + image.layers.get(0)));
    assertEquals(i.id(), again.image().id());
    assertNull(again.previousImageId());
    assertEquals(1, store.list().size());
  }

  @Test
  void indexSurvivesRestart() {
    Image i = store.pull(ref("app:1"), null).image();
    assertThrows(ImageException.class, this::open, "one store per root");
    store.close();
    store = open();
    assertEquals(List.of(i), store.list());
    assertEquals(i, store.get(ref("app:1")).orElseThrow());
  }

  @Test
  void concurrentPullsDownloadEachBlobOnce() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(5);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<PullResult>> fs = new ArrayList<>();
    for (int n = 0; n < 5; n++) {
      fs.add(pool.submit(() -> {
        go.await();
        return store.pull(ref("app:1"), null);
      }));
    }
    go.countDown();
    Set<String> ids = Collections.synchronizedSet(new java.util.HashSet<>());
    int downloaded = 0;
    for (Future<PullResult> f : fs) {
      PullResult r = f.get(30, TimeUnit.SECONDS);
      ids.add(r.image().id());
      downloaded += r.blobsDownloaded();
    }
    pool.shutdown();
    assertEquals(1, ids.size());
    assertEquals(3, downloaded, "config + 2 layers, once in total");
    for (Digest d : image.blobs.keySet()) {
      assertEquals(1, registry.blobGets(d), "GETs of " + d);
    }
    assertEquals(1, store.list().size());
  }

  @Test
  void tamperedBlobIsRejectedAndNothingKept() throws IOException {
    registry.tamper = true;
    ImageException e = assertThrows(ImageException.class, () -> store.pull(ref("app:1"), null));
    assertEquals(Code.DIGEST_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("refused"), e.getMessage());
    for (Digest l : image.layers) {
      assertFalse(store.content().contains(l));
    }
    assertTrue(store.list().isEmpty());
    try (Stream<Path> s = Files.list(images().resolve("blobs/tmp"))) {
      assertEquals(0, s.count());
    }
    try (Stream<Path> s = Files.list(images().resolve("layers"))) {
      assertEquals(0, s.count());
    }
    // the registry repaired: pulling again works
    registry.tamper = false;
    store.pull(ref("app:1"), null);
  }

  @Test
  void wrongDiffIdIsRejected() throws IOException {
    TestImage liar = TestImage.of("amd64", false, base());
    byte[] cfg = liar.blobs.get(liar.configDigest);
    String fixed = new String(cfg).replace(liar.diffIds.get(0).hex(), "b".repeat(64));
    TestImage forged = TestImage.of("amd64", false, base());
    forged.blobs.remove(forged.configDigest);
    Digest newCfg = Digest.of(fixed.getBytes());
    forged.blobs.put(newCfg, fixed.getBytes());
    forged.manifest = new String(forged.manifest).replace(forged.configDigest.toString(), newCfg.toString())
        .replace("\"size\":" + cfg.length, "\"size\":" + fixed.getBytes().length).getBytes();
    forged.manifestDigest = Digest.of(forged.manifest);
    registry.put("forged", "1", forged);
    ImageException e = assertThrows(ImageException.class, () -> store.pull(ref("forged:1"), null));
    assertEquals(Code.DIGEST_MISMATCH, e.code());
    assertTrue(e.getMessage().contains("diff id"), e.getMessage());
    try (Stream<Path> s = Files.list(images().resolve("layers"))) {
      assertEquals(0, s.count());
    }
  }

  @Test
  void maliciousLayerFailsThePull() throws IOException {
    Path victim = tmp.resolve("victim");
    Files.writeString(victim, "safe");
    TestImage evil = TestImage.of("amd64", false,
        new TarBuilder().symlink("x", tmp.toString()).file("x/victim", "pwned").file("../../../../victim", "p").build());
    registry.put("evil", "1", evil);
    ImageException e = assertThrows(ImageException.class, () -> store.pull(ref("evil:1"), null));
    assertEquals(Code.INVALID_CONTENT, e.code());
    assertEquals("safe", Files.readString(victim));
    assertTrue(store.list().isEmpty());
  }

  @Test
  void otherPlatformIsRefused() {
    registry.put("arm", "1", TestImage.of("arm64", false, base()));
    ImageException e = assertThrows(ImageException.class, () -> store.pull(ref("arm:1"), null));
    assertEquals(Code.UNSUPPORTED, e.code());
    assertTrue(e.getMessage().contains("linux/arm64"), e.getMessage());
  }

  @Test
  void invalidReference() {
    assertEquals(Code.INVALID_REFERENCE, assertThrows(ImageException.class, () -> store.pull("Bad Ref", null)).code());
  }

  @Test
  void removeUntagsThenDeletesAndCollects() {
    Image i = store.pull(ref("app:1"), null).image();
    registry.put("app", "also", image);
    store.pull(ref("app:also"), null);
    assertEquals(2, store.get(i.id()).orElseThrow().repoTags().size());

    RemoveResult untag = store.remove(ref("app:1"), false, id -> true);
    assertFalse(untag.deleted());
    assertEquals(List.of(ref("app:1")), untag.untagged());
    assertTrue(store.content().contains(image.layers.get(0)));

    ImageException inUse = assertThrows(ImageException.class, () -> store.remove(ref("app:also"), false, id -> true));
    assertEquals(Code.IN_USE, inUse.code());
    assertTrue(store.get(i.id()).isPresent());

    RemoveResult gone = store.remove(ref("app:also"), false, id -> false);
    assertTrue(gone.deleted());
    assertEquals(i.id(), gone.imageId());
    assertEquals(3 + 1, gone.gc().blobsRemoved(), "config, layers, manifest");
    assertEquals(2, gone.gc().layersRemoved());
    assertTrue(store.list().isEmpty());
    assertTrue(store.content().list().isEmpty());
    assertTrue(store.layers().list().isEmpty());
  }

  @Test
  void forceRemoveById() {
    Image i = store.pull(ref("app:1"), null).image();
    RemoveResult r = store.remove(i.shortId(), true, id -> true);
    assertTrue(r.deleted());
    assertEquals(List.of(ref("app:1")), r.untagged());
  }

  @Test
  void movedTagLeavesTheOldImageDangling() {
    Image first = store.pull(ref("app:1"), null).image();
    TestImage second = TestImage.of("amd64", false, List.of("/bin/true"), base());
    registry.put("app", "1", second);
    PullResult r = store.pull(ref("app:1"), null);
    assertEquals(first.id(), r.previousImageId());
    assertEquals(List.of(), store.get(first.id()).orElseThrow().repoTags());
    assertEquals(1, r.blobsDownloaded(), "only the new config: the base layer is shared");
    assertEquals(2, store.list().size());
  }

  @Test
  void gcRemovesLeftoversOnly() throws IOException {
    store.pull(ref("app:1"), null);
    Digest stray = store.content().put("stray".getBytes());
    Files.createDirectories(images().resolve("layers/.tmp-interrupted/diff"));
    GcResult gc = store.gc();
    assertEquals(1, gc.blobsRemoved());
    assertEquals(0, gc.layersRemoved());
    assertFalse(store.content().contains(stray));
    assertFalse(Files.exists(images().resolve("layers/.tmp-interrupted")));
    assertTrue(store.content().contains(image.layers.get(1)));
  }

  // ------------------------------------------------------------------ root file systems

  @Test
  void copyModeRootfs() throws IOException {
    Image i = store.pull(ref("app:1"), null).image();
    Path dir = tmp.resolve("containers/c1");
    Path rootfs = store.rootfs(RootfsBuilder.Mode.COPY).prepare(i.id(), dir);
    assertFalse(RootfsBuilder.isMounted(rootfs));
    checkMerged(rootfs);
    assertEquals(rootfs, store.rootfs(RootfsBuilder.Mode.COPY).prepare(i.id(), dir), "idempotent");
    store.rootfs().discard(dir);
    assertFalse(Files.exists(rootfs));
  }

  @Test
  void overlayRootfs() throws IOException {
    assumeTrue(Fs.isRoot(), "overlayfs needs root");
    Image i = store.pull(ref("app:1"), null).image();
    Path dir = tmp.resolve("containers/c2");
    mounted.add(dir);
    RootfsBuilder rb = store.rootfs(RootfsBuilder.Mode.OVERLAY);
    Path rootfs = rb.prepare(ref("app:1"), dir);
    assertTrue(RootfsBuilder.isMounted(rootfs));
    checkMerged(rootfs);
    Files.writeString(rootfs.resolve("etc/written"), "w");
    assertEquals("w", Files.readString(dir.resolve("overlay/upper/etc/written")));
    assertEquals(rootfs, rb.prepare(i.id(), dir), "idempotent");

    // while prepared, a forced removal keeps the layers (leased), then release lets gc free them
    store.remove(i.id(), true, id -> true);
    assertTrue(Files.isRegularFile(rootfs.resolve("bin/tool")));
    rb.release(dir);
    assertFalse(RootfsBuilder.isMounted(rootfs));
    assertEquals(2, store.gc().layersRemoved());
  }

  @Test
  void overlayRemountsAfterReboot() throws IOException {
    assumeTrue(Fs.isRoot(), "overlayfs needs root");
    Image i = store.pull(ref("app:1"), null).image();
    Path dir = tmp.resolve("containers/c3");
    mounted.add(dir);
    Path rootfs = store.rootfs().prepare(i.id(), dir);
    Files.writeString(rootfs.resolve("kept-change"), "x");
    store.rootfs().release(dir); // as if the machine rebooted
    assertFalse(RootfsBuilder.isMounted(rootfs));
    store.rootfs().prepare(i.id(), dir);
    assertTrue(RootfsBuilder.isMounted(rootfs));
    assertEquals("x", Files.readString(rootfs.resolve("kept-change")));
  }

  private static void checkMerged(Path rootfs) throws IOException {
    assertTrue(Files.isRegularFile(rootfs.resolve("bin/tool")));
    assertEquals("tool", Files.readSymbolicLink(rootfs.resolve("bin/sh")).toString());
    assertFalse(Files.exists(rootfs.resolve("etc/gone"), LinkOption.NOFOLLOW_LINKS), "whiteout applied");
    assertEquals("kept", Files.readString(rootfs.resolve("etc/kept")));
    assertEquals("added", Files.readString(rootfs.resolve("etc/added")));
    try (Stream<Path> s = Files.list(rootfs.resolve("cache"))) {
      assertEquals(Set.of("new"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()), "opaque dir");
    }
    assertEquals(01777, (Integer) Files.getAttribute(rootfs.resolve("tmp"), "unix:mode") & 07777);
    assertNotNull(rootfs);
  }
}
