package dev.conman.images;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import dev.conman.images.ImageException.Code;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The local images: pulls them from registries into the {@link ContentStore}, unpacks their
 * layers once (per chain id) and keeps the list of images and tags in
 * {@code <root>/images/index.json} (rewritten atomically on each change).
 *
 * <p>All methods block (network, disk); call them off the actor threads. Thread-safe: pulls run
 * concurrently, a blob or layer shared by concurrent pulls is downloaded and unpacked once;
 * {@link #remove} and {@link #gc} wait for running pulls and {@link RootfsBuilder#prepare}s.
 * One process per root (an exclusive lock on {@code <root>/images/.lock}).
 */
public final class ImageStore implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(ImageStore.class);

  private final Path imagesRoot;
  private final ContentStore content;
  private final LayerStore layers;
  private final RegistryClient client;
  private final boolean ownsClient;
  private final ExecutorService downloads;
  private final ReentrantReadWriteLock gcLock = new ReentrantReadWriteLock();
  private final Object indexLock = new Object();
  private final Map<String, Image> index = new LinkedHashMap<>();
  private final Path indexFile;
  private final FileChannel lockChannel;
  private final FileLock lock;
  final KeyedLocks rootfsLocks = new KeyedLocks();

  private ImageStore(Path root, RegistryClient client, boolean ownsClient, LayerUnpacker unpacker) {
    this.imagesRoot = root.toAbsolutePath().resolve("images");
    try {
      Files.createDirectories(imagesRoot);
      // layers hold set-uid binaries and device nodes of images: no access for other users
      Files.setPosixFilePermissions(imagesRoot, java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
      this.lockChannel = FileChannel.open(imagesRoot.resolve(".lock"), StandardOpenOption.CREATE,
          StandardOpenOption.WRITE);
      FileLock l;
      try {
        l = lockChannel.tryLock();
      } catch (OverlappingFileLockException e) {
        l = null;
      }
      if (l == null) {
        lockChannel.close();
        throw new ImageException(Code.IO, "the image store " + imagesRoot + " is in use by another ImageStore"
            + " (another daemon on the same root?)");
      }
      this.lock = l;
    } catch (IOException e) {
      throw ImageException.io("cannot open the image store " + imagesRoot, e);
    }
    this.content = new ContentStore(imagesRoot);
    this.layers = new LayerStore(imagesRoot, content, unpacker);
    this.client = client;
    this.ownsClient = ownsClient;
    this.indexFile = imagesRoot.resolve("index.json");
    AtomicInteger n = new AtomicInteger();
    this.downloads = Executors.newFixedThreadPool(client.options().parallelDownloads, r -> {
      Thread t = new Thread(r, "image-download-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    loadIndex();
    try {
      Files.createDirectories(imagesRoot.resolve("leases"));
    } catch (IOException e) {
      throw ImageException.io("cannot create " + imagesRoot.resolve("leases"), e);
    }
  }

  /**
   * Opens (creating) the image store under {@code root/images} ({@code root} is the daemon's
   * state directory, e.g. /var/lib/conman).
   */
  public static ImageStore open(Path root, RegistryOptions options) {
    return new ImageStore(root, new RegistryClient(options), true, new LayerUnpacker());
  }

  /** With a given (shared) client and unpacker; the client is not closed by {@link #close()}. */
  public static ImageStore open(Path root, RegistryClient client, LayerUnpacker unpacker) {
    return new ImageStore(root, client, false, unpacker);
  }

  public Path imagesRoot() {
    return imagesRoot;
  }

  public ContentStore content() {
    return content;
  }

  public RegistryClient client() {
    return client;
  }

  /** Root file systems for containers from this store's images (overlay if possible, else copies). */
  public RootfsBuilder rootfs() {
    return new RootfsBuilder(this, RootfsBuilder.Mode.AUTO);
  }

  public RootfsBuilder rootfs(RootfsBuilder.Mode mode) {
    return new RootfsBuilder(this, mode);
  }

  LayerStore layers() {
    return layers;
  }

  @Override
  public void close() {
    downloads.shutdownNow();
    if (ownsClient) {
      client.close();
    }
    try {
      lock.release();
      lockChannel.close();
    } catch (IOException e) {
      log.warn("cannot release {}: {}", imagesRoot.resolve(".lock"), e.toString());
    }
  }

  // ---------------------------------------------------------------- pull

  /** Parses {@code reference} and pulls it. @see #pull(ImageReference, PullProgress) */
  public PullResult pull(String reference, PullProgress progress) {
    ImageReference ref;
    try {
      ref = ImageReference.parse(reference);
    } catch (IllegalArgumentException e) {
      throw new ImageException(Code.INVALID_REFERENCE, e.getMessage(), e);
    }
    return pull(ref, progress);
  }

  /**
   * Pulls an image: resolves the reference at the registry (always one manifest request, so a
   * moved tag is seen), downloads what is missing (blobs verified, several layers at once),
   * unpacks new layers, then records the image and tags it.
   */
  public PullResult pull(ImageReference ref, PullProgress progress) {
    long t0 = System.nanoTime();
    Progress p = new Progress(progress == null ? PullProgress.NONE : progress, ref.toString());
    p.emit(PullEvent.Kind.RESOLVING, null, 0, 0);
    gcLock.readLock().lock();
    try {
      ResolvedManifest rm = client.resolve(ref);
      p.emit(PullEvent.Kind.RESOLVED, null, 0, rm.layers().size());
      AtomicInteger blobs = new AtomicInteger();
      AtomicLong bytes = new AtomicLong();
      if (rm.indexBytes() != null) {
        content.put(rm.indexBytes());
      }
      content.put(rm.manifestBytes());

      Descriptor cd = rm.config();
      long max = client.options().maxConfigBytes;
      if (cd.size() > max) {
        throw new ImageException(Code.INVALID_CONTENT, "config of " + ref + " declares " + cd.size()
            + " bytes, more than the limit of " + max);
      }
      if (download(ref, cd, null)) {
        blobs.incrementAndGet();
        bytes.addAndGet(cd.size());
      }
      JsonNode config = RegistryClient.parse(content.read(cd.digest()), "config of " + ref);
      checkPlatform(ref, config);
      List<Digest> diffIds = diffIds(ref, config, rm.layers().size());
      List<Digest> chains = new ArrayList<>();
      Digest parent = null;
      for (Digest d : diffIds) {
        parent = LayerStore.chainId(parent, d);
        chains.add(parent);
      }

      // downloads, in parallel; then unpack in order as each arrives
      List<CompletableFuture<Void>> fetched = new ArrayList<>();
      java.util.concurrent.atomic.AtomicBoolean aborted = new java.util.concurrent.atomic.AtomicBoolean();
      for (int i = 0; i < rm.layers().size(); i++) {
        Descriptor l = rm.layers().get(i);
        Digest chain = chains.get(i);
        if (layers.contains(chain) || content.contains(l.digest())) {
          p.emit(PullEvent.Kind.LAYER_EXISTS, l.digest().shortHex(), 0, l.size());
          fetched.add(CompletableFuture.completedFuture(null));
          continue;
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        fetched.add(f);
        downloads.execute(() -> {
          try {
            if (aborted.get()) {
              throw new ImageException(Code.IO, "pull of " + ref + " aborted");
            }
            if (download(ref, l, p)) {
              blobs.incrementAndGet();
              bytes.addAndGet(l.size());
              p.emit(PullEvent.Kind.DOWNLOADED, l.digest().shortHex(), l.size(), l.size());
            } else {
              p.emit(PullEvent.Kind.LAYER_EXISTS, l.digest().shortHex(), 0, l.size());
            }
            f.complete(null);
          } catch (Throwable t) {
            f.completeExceptionally(t);
          }
        });
      }
      long unpacked = 0;
      try {
        for (int i = 0; i < rm.layers().size(); i++) {
          await(fetched.get(i));
          Descriptor l = rm.layers().get(i);
          Digest chain = chains.get(i);
          if (!layers.contains(chain)) {
            p.emit(PullEvent.Kind.EXTRACTING, l.digest().shortHex(), 0, l.size());
            layers.ensure(chain, i == 0 ? null : chains.get(i - 1), diffIds.get(i), l.digest(),
                lowers(chains, i));
            p.emit(PullEvent.Kind.EXTRACTED, l.digest().shortHex(), l.size(), l.size());
          }
          unpacked += layers.info(chain).size();
        }
      } catch (RuntimeException e) {
        aborted.set(true); // queued downloads do not start
        // let running downloads end before the read lock goes (gc must not see half-written temp files)
        for (CompletableFuture<Void> f : fetched) {
          try {
            f.join();
          } catch (RuntimeException ignored) {
            // reported through e
          }
        }
        throw e;
      }

      long size = cd.size() + rm.layers().stream().mapToLong(Descriptor::size).sum();
      List<Image.Layer> imageLayers = new ArrayList<>();
      for (int i = 0; i < rm.layers().size(); i++) {
        Descriptor l = rm.layers().get(i);
        imageLayers.add(new Image.Layer(l.digest().toString(), l.mediaType(), l.size(), diffIds.get(i).toString(),
            chains.get(i).toString()));
      }
      Image image = new Image(cd.digest().toString(), List.of(), List.of(), rm.manifestDigest().toString(),
          rm.manifestMediaType(), size, unpacked, created(config), Instant.now(), config.path("os").asText(""),
          config.path("architecture").asText(""), imageLayers, ImageConfig.fromJson(config));
      String[] previous = new String[1];
      Image stored = record(image, ref, rm.digest(), previous);
      p.emit(PullEvent.Kind.DONE, null, 0, 0);
      Duration elapsed = Duration.ofNanos(System.nanoTime() - t0);
      log.info("pulled {} as {} ({} blobs, {} bytes downloaded) in {} ms", ref, stored.shortId(), blobs.get(),
          bytes.get(), elapsed.toMillis());
      return new PullResult(stored, ref, rm.digest().toString(), previous[0], blobs.get(), bytes.get(), elapsed);
    } finally {
      gcLock.readLock().unlock();
    }
  }

  private static void await(CompletableFuture<Void> f) {
    try {
      f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(Code.IO, "interrupted while pulling", e);
    } catch (ExecutionException e) {
      if (e.getCause() instanceof RuntimeException re) {
        throw re;
      }
      throw new ImageException(Code.IO, "download failed: " + e.getCause(), e.getCause());
    }
  }

  private List<Digest> lowers(List<Digest> chains, int i) {
    List<Digest> out = new ArrayList<>();
    for (int j = i - 1; j >= 0; j--) {
      out.add(chains.get(j));
    }
    return out;
  }

  /** Fetches a blob into the content store unless present (retrying transient failures). */
  private boolean download(ImageReference ref, Descriptor d, Progress p) {
    return client.withRetries("download " + d.digest() + " of " + ref, () -> {
      long[] last = {0};
      return content.ensure(d.digest(), d.size(), () -> client.openBlob(ref, d.digest()), p == null ? null : n -> {
        long now = System.nanoTime();
        if (now - last[0] > 100_000_000L || n == d.size()) {
          last[0] = now;
          p.emit(PullEvent.Kind.DOWNLOADING, d.digest().shortHex(), n, d.size());
        }
      });
    });
  }

  private void checkPlatform(ImageReference ref, JsonNode config) {
    Platform want = client.options().platform();
    String os = config.path("os").asText("");
    String arch = config.path("architecture").asText("");
    if (!os.isEmpty() && !arch.isEmpty() && !want.matches(os, arch, config.path("variant").asText(null))) {
      throw new ImageException(Code.UNSUPPORTED, ref + " is an image for " + os + "/" + arch + "; this host runs "
          + want + " images");
    }
  }

  private static List<Digest> diffIds(ImageReference ref, JsonNode config, int layerCount) {
    JsonNode rootfs = config.path("rootfs");
    if (!rootfs.path("type").asText("").equals("layers")) {
      throw new ImageException(Code.INVALID_CONTENT, "config of " + ref + " has rootfs.type '"
          + rootfs.path("type").asText("") + "', expected 'layers'");
    }
    List<Digest> out = new ArrayList<>();
    for (JsonNode d : rootfs.path("diff_ids")) {
      try {
        out.add(Digest.parse(d.asText()));
      } catch (IllegalArgumentException e) {
        throw new ImageException(Code.INVALID_CONTENT, "config of " + ref + ": bad diff id: " + e.getMessage());
      }
    }
    if (out.size() != layerCount) {
      throw new ImageException(Code.INVALID_CONTENT, "config of " + ref + " lists " + out.size()
          + " diff ids for " + layerCount + " layers");
    }
    return out;
  }

  private static Instant created(JsonNode config) {
    String s = config.path("created").asText("");
    if (s.isEmpty()) {
      return null;
    }
    try {
      return OffsetDateTime.parse(s).toInstant();
    } catch (RuntimeException e) {
      return null;
    }
  }

  /** Adds/updates the image in the index, moves the tag to it; returns the stored record. */
  private Image record(Image image, ImageReference ref, Digest resolved, String[] previous) {
    synchronized (indexLock) {
      String tag = ref.taggedName();
      String repoDigest = ref.digestedName(resolved);
      if (tag != null) {
        for (Image other : List.copyOf(index.values())) {
          if (!other.id().equals(image.id()) && other.repoTags().contains(tag)) {
            List<String> tags = new ArrayList<>(other.repoTags());
            tags.remove(tag);
            index.put(other.id(), other.withNames(tags, other.repoDigests(), other.pulledAt()));
            previous[0] = other.id();
          }
        }
      }
      Image old = index.get(image.id());
      Set<String> tags = new LinkedHashSet<>(old == null ? List.of() : old.repoTags());
      Set<String> digests = new LinkedHashSet<>(old == null ? List.of() : old.repoDigests());
      if (tag != null) {
        tags.add(tag);
      }
      digests.add(repoDigest);
      Image stored = image.withNames(List.copyOf(tags), List.copyOf(digests), image.pulledAt());
      index.put(image.id(), stored);
      saveIndex();
      return stored;
    }
  }

  // ---------------------------------------------------------------- queries

  /** All images, most recently pulled first. */
  public List<Image> list() {
    synchronized (indexLock) {
      List<Image> out = new ArrayList<>(index.values());
      out.sort(Comparator.comparing(Image::pulledAt).reversed());
      return out;
    }
  }

  /**
   * Finds an image by reference ({@code busybox}, {@code localhost:5000/x:1},
   * {@code name@sha256:...}), by id ({@code sha256:<hex>}) or by a unique id prefix (at least 4
   * hex digits, as docker accepts).
   *
   * @throws ImageException INVALID_REFERENCE if an id prefix is ambiguous
   */
  public Optional<Image> get(String refOrId) {
    synchronized (indexLock) {
      String s = refOrId.strip();
      String hex = s.startsWith("sha256:") ? s.substring(7) : s;
      if (hex.matches("[0-9a-f]{64}")) {
        Image i = index.get("sha256:" + hex);
        if (i != null) {
          return Optional.of(i);
        }
      }
      try {
        ImageReference ref = ImageReference.parse(s);
        for (Image i : index.values()) {
          if (ref.digest() != null) {
            if (i.repoDigests().contains(ref.digestedName(ref.digest()))
                || (i.manifestDigest().equals(ref.digest().toString())
                    && i.repoDigests().stream().anyMatch(d -> d.startsWith(ref.name() + "@")))) {
              return Optional.of(i);
            }
          } else if (i.repoTags().contains(ref.taggedName())) {
            return Optional.of(i);
          }
        }
      } catch (IllegalArgumentException notAReference) {
        // maybe an id prefix
      }
      if (hex.matches("[0-9a-f]{4,64}")) {
        List<Image> matches = index.values().stream().filter(i -> i.id().startsWith("sha256:" + hex)).toList();
        if (matches.size() > 1) {
          throw new ImageException(Code.INVALID_REFERENCE, "image id prefix '" + hex + "' is ambiguous ("
              + matches.size() + " images); give more digits");
        }
        if (matches.size() == 1) {
          return Optional.of(matches.get(0));
        }
      }
      return Optional.empty();
    }
  }

  /** Like {@link #get} but NOT_FOUND if absent. */
  public Image require(String refOrId) {
    return get(refOrId).orElseThrow(() -> new ImageException(Code.NOT_FOUND, "no image '" + refOrId
        + "' here; pull it first"));
  }

  // ---------------------------------------------------------------- removal and gc

  /**
   * Removes a tag or an image, docker-style: {@code remove("busybox")} drops that tag, and the
   * image with it if no other tag remains; an id (or prefix) removes the image with all its tags.
   * Deleting an image that {@code inUse} says a container uses (it is given the image id) is
   * refused with IN_USE unless {@code force}; untagging is always allowed. Then unreferenced
   * blobs and layers are garbage collected (not those of prepared root file systems).
   */
  public RemoveResult remove(String refOrId, boolean force, Predicate<String> inUse) {
    gcLock.writeLock().lock();
    try {
      RemoveResult r;
      synchronized (indexLock) {
        Image image = require(refOrId);
        List<String> untagged = new ArrayList<>();
        String tag = tagNamed(refOrId, image);
        boolean delete;
        if (tag != null && image.repoTags().size() > 1) {
          untagged.add(tag);
          delete = false;
        } else {
          untagged.addAll(image.repoTags());
          delete = true;
        }
        if (delete && !force && inUse != null && inUse.test(image.id())) {
          throw new ImageException(Code.IN_USE, "image " + image.shortId() + " (" + String.join(", ", image.repoTags())
              + ") is used by a container: remove the container first, or force the removal");
        }
        if (delete) {
          index.remove(image.id());
        } else {
          List<String> tags = new ArrayList<>(image.repoTags());
          tags.removeAll(untagged);
          String repo = tag.substring(0, tag.lastIndexOf(':'));
          List<String> digests = new ArrayList<>(image.repoDigests());
          if (tags.stream().noneMatch(t -> t.startsWith(repo + ":"))) {
            digests.removeIf(d -> d.startsWith(repo + "@"));
          }
          index.put(image.id(), image.withNames(tags, digests, image.pulledAt()));
        }
        saveIndex();
        r = new RemoveResult(image.id(), untagged, delete, GcResult.NONE);
      }
      GcResult gc = r.deleted() ? gcLocked() : GcResult.NONE;
      log.info("removed {}: untagged {}, deleted {}, freed {} bytes", r.imageId(), r.untagged(), r.deleted(),
          gc.bytesFreed());
      return new RemoveResult(r.imageId(), r.untagged(), r.deleted(), gc);
    } finally {
      gcLock.writeLock().unlock();
    }
  }

  /** The tag {@code refOrId} names on {@code image}, if it is a tag reference of it. */
  private static String tagNamed(String refOrId, Image image) {
    try {
      ImageReference ref = ImageReference.parse(refOrId.strip());
      if (ref.digest() == null && image.repoTags().contains(ref.taggedName())) {
        return ref.taggedName();
      }
    } catch (IllegalArgumentException ignored) {
      // an id
    }
    return null;
  }

  /**
   * Deletes blobs and unpacked layers no image references (nor a prepared root file system), and
   * leftovers of interrupted pulls. Waits for running pulls.
   */
  public GcResult gc() {
    gcLock.writeLock().lock();
    try {
      return gcLocked();
    } finally {
      gcLock.writeLock().unlock();
    }
  }

  private GcResult gcLocked() {
    Set<Digest> keepBlobs = new HashSet<>();
    Set<Digest> keepLayers = new HashSet<>();
    synchronized (indexLock) {
      for (Image i : index.values()) {
        keepBlobs.add(Digest.parse(i.id()));
        keepBlobs.add(Digest.parse(i.manifestDigest()));
        for (String rd : i.repoDigests()) {
          keepBlobs.add(Digest.parse(rd.substring(rd.indexOf('@') + 1)));
        }
        for (Image.Layer l : i.layers()) {
          keepBlobs.add(Digest.parse(l.digest()));
          keepLayers.add(Digest.parse(l.chainId()));
        }
      }
    }
    keepLayers.addAll(leasedLayers());
    long[] blobs = content.gc(keepBlobs);
    int layersRemoved = 0;
    long bytes = blobs[1];
    for (Digest c : layers.list()) {
      if (!keepLayers.contains(c)) {
        bytes += layers.delete(c);
        layersRemoved++;
      }
    }
    layers.cleanTemp();
    return new GcResult((int) blobs[0], layersRemoved, bytes);
  }

  // ---------------------------------------------------------------- leases (used by RootfsBuilder)

  record Lease(@JsonProperty("dir") String dir, @JsonProperty("imageId") String imageId,
      @JsonProperty("chainIds") List<String> chainIds) {}

  Path leaseFile(Path dir) {
    return imagesRoot.resolve("leases").resolve(Digest.of(dir.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)).hex() + ".json");
  }

  /** Chain ids used by prepared root file systems whose directory still exists (stale leases are dropped). */
  private Set<Digest> leasedLayers() {
    Set<Digest> out = new HashSet<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(imagesRoot.resolve("leases"), "*.json")) {
      for (Path f : ds) {
        try {
          Lease l = Json.MAPPER.readValue(f.toFile(), Lease.class);
          if (Files.isDirectory(Path.of(l.dir()))) {
            l.chainIds().forEach(c -> out.add(Digest.parse(c)));
          } else {
            Files.deleteIfExists(f);
          }
        } catch (IOException | RuntimeException e) {
          log.warn("ignoring unreadable lease {}: {}", f, e.toString());
        }
      }
    } catch (IOException e) {
      throw ImageException.io("cannot read leases", e);
    }
    return out;
  }

  /** Runs {@code action} while no gc or removal can run. */
  <T> T sharedLocked(Supplier<T> action) {
    gcLock.readLock().lock();
    try {
      return action.get();
    } finally {
      gcLock.readLock().unlock();
    }
  }

  // ---------------------------------------------------------------- index file

  private record IndexFile(@JsonProperty("version") int version, @JsonProperty("images") List<Image> images) {}

  private void loadIndex() {
    if (!Files.exists(indexFile)) {
      return;
    }
    try {
      IndexFile f = Json.MAPPER.readValue(indexFile.toFile(), IndexFile.class);
      if (f.images() != null) {
        for (Image i : f.images()) {
          index.put(i.id(), i);
        }
      }
    } catch (IOException e) {
      throw ImageException.io("cannot read the image index " + indexFile
          + " (if it is corrupt, move it away: images will have to be pulled again)", e);
    }
  }

  private void saveIndex() {
    try {
      Fs.writeAtomically(indexFile, Json.MAPPER.writeValueAsBytes(new IndexFile(1, List.copyOf(index.values()))));
    } catch (IOException e) {
      throw ImageException.io("cannot write the image index " + indexFile, e);
    }
  }

  /** Serialises progress callbacks. */
  private static final class Progress {
    private final PullProgress sink;
    private final String ref;

    Progress(PullProgress sink, String ref) {
      this.sink = sink;
      this.ref = ref;
    }

    synchronized void emit(PullEvent.Kind kind, String layer, long current, long total) {
      try {
        sink.onEvent(new PullEvent(kind, ref, layer, current, total));
      } catch (RuntimeException e) {
        log.warn("pull progress listener failed: {}", e.toString());
      }
    }
  }
}
