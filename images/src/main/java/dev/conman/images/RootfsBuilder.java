package dev.conman.images;

import com.fasterxml.jackson.annotation.JsonProperty;
import dev.conman.images.ImageException.Code;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives a container its root file system from an image: an overlayfs mount of the image's layer
 * snapshots (read-only lower dirs, shared by all containers of the image) with a private upper
 * and work dir, or, where overlayfs cannot be used (not root, a layer unpacked without root,
 * mount failure with {@link Mode#AUTO}), a full copy with the whiteouts applied.
 *
 * <p>Layout in the container's directory {@code dir}: {@code dir/rootfs} (mount point or copy),
 * {@code dir/overlay/upper}, {@code dir/overlay/work}, {@code dir/rootfs.json} (image, mode). While
 * prepared, the image's layers are leased: {@link ImageStore#gc()} keeps them even if the image
 * is removed with force. Blocking; calls for one {@code dir} are serialised.
 */
public final class RootfsBuilder {

  private static final Logger log = LoggerFactory.getLogger(RootfsBuilder.class);
  private static final int MAX_MOUNT_OPTIONS = 4000; // a page, less margin

  /** How to build root file systems. */
  public enum Mode {
    /** overlayfs when possible, else copy. */
    AUTO,
    /** overlayfs or fail. */
    OVERLAY,
    /** always copy (slow, uses disk; no mount). */
    COPY
  }

  record State(@JsonProperty("imageId") String imageId, @JsonProperty("mode") Mode mode,
      @JsonProperty("chainIds") List<String> chainIds) {}

  private final ImageStore store;
  private final Mode mode;

  RootfsBuilder(ImageStore store, Mode mode) {
    this.store = store;
    this.mode = mode;
  }

  /**
   * Prepares {@code dir/rootfs} from image {@code image} (id, id prefix or reference) and
   * returns it. Idempotent: if already prepared (mounted, or a complete copy), returns it as is;
   * after a reboot (mount gone) it mounts again over the same upper dir, so the container's
   * changes survive. {@code dir} is created if needed.
   */
  public Path prepare(String image, Path dir) {
    Path d = dir.toAbsolutePath().normalize();
    try (KeyedLocks.Held ignored = store.rootfsLocks.lock(d.toString())) {
      return store.sharedLocked(() -> prepareLocked(image, d));
    }
  }

  private Path prepareLocked(String imageName, Path dir) {
    Image image = store.require(imageName);
    LayerStore layers = store.layers();
    List<Digest> chains = new ArrayList<>();
    for (Image.Layer l : image.layers()) {
      Digest c = Digest.parse(l.chainId());
      if (!layers.contains(c)) {
        throw new ImageException(Code.NOT_FOUND, "layer " + l.digest() + " of image " + image.shortId()
            + " is not unpacked; pull the image again");
      }
      chains.add(c);
    }
    Path rootfs = dir.resolve("rootfs");
    try {
      Files.createDirectories(dir);
      State previous = readState(dir);
      if (previous != null && !previous.imageId().equals(image.id())) {
        throw new ImageException(Code.IO, dir + " already holds a root file system of image " + previous.imageId());
      }
      List<String> chainStrings = chains.stream().map(Digest::toString).toList();
      Fs.writeAtomically(store.leaseFile(dir), Json.MAPPER.writeValueAsBytes(
          new ImageStore.Lease(dir.toString(), image.id(), chainStrings)));
      if (isMounted(rootfs)) {
        return rootfs;
      }
      if (previous != null && previous.mode() == Mode.COPY) {
        return rootfs; // complete copy (the state is written after the copy)
      }
      boolean canOverlay = Fs.isRoot() && chains.stream().allMatch(c -> layers.info(c).privileged());
      boolean wantOverlay = previous != null ? previous.mode() == Mode.OVERLAY : mode != Mode.COPY;
      if (wantOverlay) {
        if (!canOverlay && (mode == Mode.OVERLAY || previous != null)) {
          throw new ImageException(Code.UNSUPPORTED, "overlayfs needs root and layers unpacked as root");
        }
        if (canOverlay) {
          try {
            mountOverlay(layers, chains, dir, rootfs);
            writeState(dir, new State(image.id(), Mode.OVERLAY, chainStrings));
            return rootfs;
          } catch (ImageException e) {
            if (mode == Mode.OVERLAY || previous != null) {
              throw e;
            }
            log.warn("overlay mount for {} failed, copying the layers instead: {}", dir, e.getMessage());
            Fs.deleteRecursively(dir.resolve("overlay"));
          }
        }
      }
      Fs.deleteRecursively(rootfs); // a copy interrupted by a crash
      Files.createDirectories(rootfs);
      long t0 = System.nanoTime();
      for (Digest c : chains) {
        applyLayer(layers.diff(c), layers.info(c), rootfs);
      }
      writeState(dir, new State(image.id(), Mode.COPY, chainStrings));
      log.info("copied {} layers of {} into {} in {} ms", chains.size(), image.shortId(), rootfs,
          (System.nanoTime() - t0) / 1_000_000);
      return rootfs;
    } catch (IOException e) {
      throw ImageException.io("cannot prepare the root file system in " + dir, e);
    }
  }

  /**
   * Unmounts {@code dir/rootfs} if mounted and drops the lease on the image's layers. Files stay
   * (the container's changes in the upper dir or copy); delete {@code dir} afterwards, or call
   * {@link #discard}. Idempotent.
   */
  public void release(Path dir) {
    Path d = dir.toAbsolutePath().normalize();
    try (KeyedLocks.Held ignored = store.rootfsLocks.lock(d.toString())) {
      Path rootfs = d.resolve("rootfs");
      for (int attempt = 0; isMounted(rootfs); attempt++) {
        try {
          Fs.run(attempt < 5 ? List.of("umount", rootfs.toString()) : List.of("umount", "-l", rootfs.toString()),
              null);
        } catch (IOException e) {
          if (attempt >= 5) {
            throw ImageException.io("cannot unmount " + rootfs, e);
          }
          log.debug("umount {} failed ({}), retrying", rootfs, e.getMessage());
          sleep(100);
        }
      }
      Files.deleteIfExists(store.leaseFile(d));
    } catch (IOException e) {
      throw ImageException.io("cannot release " + d, e);
    }
  }

  /** {@link #release} and delete {@code dir/rootfs}, {@code dir/overlay} and {@code dir/rootfs.json}. */
  public void discard(Path dir) {
    release(dir);
    Path d = dir.toAbsolutePath().normalize();
    try {
      Fs.deleteRecursively(d.resolve("rootfs"));
      Fs.deleteRecursively(d.resolve("overlay"));
      Files.deleteIfExists(d.resolve("rootfs.json"));
    } catch (IOException e) {
      throw ImageException.io("cannot delete the root file system in " + d, e);
    }
  }

  /** Whether something is mounted on {@code path} (per /proc/self/mountinfo). */
  public static boolean isMounted(Path path) {
    String p;
    try {
      p = path.toRealPath().toString();
    } catch (IOException e) {
      return false;
    }
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
        String[] f = line.split(" ");
        if (f.length > 4 && unescape(f[4]).equals(p)) {
          return true;
        }
      }
    } catch (IOException e) {
      throw ImageException.io("cannot read /proc/self/mountinfo", e);
    }
    return false;
  }

  private static String unescape(String s) {
    if (s.indexOf('\\') < 0) {
      return s;
    }
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\' && i + 3 < s.length()) {
        try {
          b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
          i += 3;
          continue;
        } catch (NumberFormatException ignored) {
          // literal
        }
      }
      b.append(c);
    }
    return b.toString();
  }

  private void mountOverlay(LayerStore layers, List<Digest> chains, Path dir, Path rootfs) throws IOException {
    Path upper = Files.createDirectories(dir.resolve("overlay").resolve("upper"));
    Path work = Files.createDirectories(dir.resolve("overlay").resolve("work"));
    Files.createDirectories(rootfs);
    List<String> lowers = new ArrayList<>();
    for (int i = chains.size() - 1; i >= 0; i--) {
      lowers.add(chains.get(i).hex() + "/diff"); // relative to the layers dir: the mount runs there
    }
    if (lowers.isEmpty()) {
      Path empty = Files.createDirectories(layers.root().resolve(".empty"));
      lowers.add(empty.getFileName().toString());
    }
    for (Path p : List.of(upper, work)) {
      if (p.toString().contains(",") || p.toString().contains(":")) {
        throw new ImageException(Code.IO, "cannot mount overlayfs: path " + p + " contains ',' or ':'");
      }
    }
    String options = "lowerdir=" + String.join(":", lowers) + ",upperdir=" + upper + ",workdir=" + work;
    if (options.length() > MAX_MOUNT_OPTIONS) {
      throw new ImageException(Code.UNSUPPORTED, "image has too many layers (" + chains.size()
          + ") for one overlayfs mount");
    }
    try {
      Fs.run(List.of("mount", "-t", "overlay", "overlay", "-o", options, rootfs.toString()), layers.root());
    } catch (IOException e) {
      throw new ImageException(Code.IO, "overlayfs mount on " + rootfs + " failed: " + e.getMessage(), e);
    }
  }

  private static State readState(Path dir) {
    Path f = dir.resolve("rootfs.json");
    if (!Files.exists(f)) {
      return null;
    }
    try {
      return Json.MAPPER.readValue(f.toFile(), State.class);
    } catch (IOException e) {
      throw ImageException.io("cannot read " + f, e);
    }
  }

  private static void writeState(Path dir, State s) throws IOException {
    Fs.writeAtomically(dir.resolve("rootfs.json"), Json.MAPPER.writeValueAsBytes(s));
  }

  private static void sleep(long ms) {
    try {
      Thread.sleep(ms);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  // ---------------------------------------------------------------- copy mode

  /** Applies one layer snapshot onto {@code rootfs}: opaque dirs, whiteouts, then its files. */
  static void applyLayer(Path diff, LayerInfo info, Path rootfs) throws IOException {
    for (String rel : info.opaqueDirs()) {
      Path d = realPath(rootfs, rel);
      if (d != null && Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) {
        try (var ds = Files.list(d)) {
          for (Path c : (Iterable<Path>) ds::iterator) {
            Fs.deleteRecursively(c);
          }
        }
      }
    }
    Set<String> whiteouts = new HashSet<>(info.whiteouts());
    for (String rel : whiteouts) {
      Path p = realPath(rootfs, rel);
      if (p != null) {
        Fs.deleteRecursively(p);
      }
    }
    copyTree(diff, rootfs, whiteouts);
  }

  /** {@code root/rel} if all its parents are real directories (no symlink followed), else null. */
  private static Path realPath(Path root, String rel) throws IOException {
    if (rel.isEmpty()) {
      return root;
    }
    Path p = root;
    String[] comps = rel.split("/");
    for (int i = 0; i < comps.length - 1; i++) {
      p = p.resolve(comps[i]);
      PosixFileAttributes a = Fs.lstat(p);
      if (a == null || !a.isDirectory()) {
        return null;
      }
    }
    return p.resolve(comps[comps.length - 1]);
  }

  /**
   * Copies {@code src} over {@code dst} without following symlinks on either side: an entry
   * replaces whatever is at its place unless both are directories.
   */
  private static void copyTree(Path src, Path dst, Set<String> skip) throws IOException {
    boolean root = Fs.isRoot();
    Map<Object, Path> links = new HashMap<>();
    List<Path[]> dirs = new ArrayList<>();
    Files.walkFileTree(src, EnumSet.noneOf(FileVisitOption.class), Integer.MAX_VALUE, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path d, BasicFileAttributes attrs) throws IOException {
        Path target = dst.resolve(src.relativize(d).toString());
        if (!d.equals(src)) {
          PosixFileAttributes a = Fs.lstat(target);
          if (a != null && !a.isDirectory()) {
            Files.delete(target);
            a = null;
          }
          if (a == null) {
            Files.createDirectory(target);
          }
        }
        dirs.add(new Path[] {d, target});
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path f, BasicFileAttributes attrs) throws IOException {
        String rel = src.relativize(f).toString();
        if (skip.contains(rel) && attrs.isOther()) {
          return FileVisitResult.CONTINUE; // the whiteout node itself
        }
        Path target = dst.resolve(rel);
        if (Fs.lstat(target) != null) {
          Fs.deleteRecursively(target);
        }
        Map<String, Object> ua = Files.readAttributes(f, "unix:mode,uid,gid,ino,dev,rdev,nlink",
            LinkOption.NOFOLLOW_LINKS);
        int mode = (Integer) ua.get("mode");
        if (attrs.isSymbolicLink()) {
          Files.createSymbolicLink(target, Files.readSymbolicLink(f));
        } else {
          Object key = ua.get("dev") + ":" + ua.get("ino");
          Path first = (Integer) ua.get("nlink") > 1 ? links.get(key) : null;
          if (first != null) {
            Files.createLink(target, first);
            return FileVisitResult.CONTINUE;
          }
          if (attrs.isRegularFile()) {
            Files.copy(f, target, LinkOption.NOFOLLOW_LINKS);
          } else {
            int type = mode & 0170000;
            long rdev = (Long) ua.get("rdev");
            long major = ((rdev >> 8) & 0xfff) | ((rdev >> 32) & ~0xfffL);
            long minor = (rdev & 0xff) | ((rdev >> 12) & ~0xffL);
            char t = type == 0020000 ? 'c' : type == 0060000 ? 'b' : type == 0010000 ? 'p' : '?';
            if (t == '?' || (t != 'p' && !root) || (t == 'c' && major == 0 && minor == 0)) {
              return FileVisitResult.CONTINUE; // sockets; devices when not root; overlay whiteouts
            }
            Fs.mknod(target, t, mode, major, minor);
          }
          if ((Integer) ua.get("nlink") > 1) {
            links.put(key, target);
          }
        }
        if (root) {
          Files.setAttribute(target, "unix:uid", ua.get("uid"), LinkOption.NOFOLLOW_LINKS);
          Files.setAttribute(target, "unix:gid", ua.get("gid"), LinkOption.NOFOLLOW_LINKS);
        }
        if (!attrs.isSymbolicLink()) {
          LayerUnpacker.chmod(target, mode);
        }
        if (attrs.isRegularFile() || attrs.isSymbolicLink()) {
          LayerUnpacker.setMtime(target, attrs.lastModifiedTime().toInstant());
        }
        return FileVisitResult.CONTINUE;
      }
    });
    for (int i = dirs.size() - 1; i >= 0; i--) {
      Path s = dirs.get(i)[0];
      Path t = dirs.get(i)[1];
      Map<String, Object> ua = Files.readAttributes(s, "unix:mode,uid,gid,lastModifiedTime", LinkOption.NOFOLLOW_LINKS);
      if (root) {
        Files.setAttribute(t, "unix:uid", ua.get("uid"), LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(t, "unix:gid", ua.get("gid"), LinkOption.NOFOLLOW_LINKS);
      }
      LayerUnpacker.chmod(t, (Integer) ua.get("mode"));
      LayerUnpacker.setMtime(t, ((java.nio.file.attribute.FileTime) ua.get("lastModifiedTime")).toInstant());
    }
  }
}
