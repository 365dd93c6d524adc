package dev.conman.images;

import dev.conman.images.ImageException.Code;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributeView;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.UserDefinedFileAttributeView;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.zip.GZIPInputStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacks one layer (tar, gzip'd tar or zstd'd tar, detected by magic bytes) into its own
 * directory, in overlayfs "upper dir" form: an OCI whiteout {@code .wh.NAME} becomes a 0/0
 * character device {@code NAME}, an opaque marker {@code .wh..wh..opq} is emulated by whiting
 * out every name the lower layers have in that directory (Java cannot set the
 * {@code trusted.overlay.opaque} xattr). Both are also listed in the {@link Result} for the copy
 * fallback.
 *
 * <p>Security: nothing is ever written outside {@code target}. Entry names are made relative
 * (leading {@code /} stripped) and a {@code ..} that would climb above the root rejects the
 * layer. Each parent directory is resolved component by component with {@code lstat}; a symlink
 * met on the way is resolved as if {@code target} were {@code /} (absolute targets and {@code ..}
 * stay inside, like a chroot), so a write "through" a symlink to /etc lands in {@code target/etc}.
 * An existing entry is unlinked before a new one is created with {@code O_EXCL}, so no write goes
 * through a symlink or hard link left by an earlier entry. Hard links must name an existing
 * non-directory inside the layer. Devices are created only when running as root (else skipped).
 * Mode (with set-id bits), numeric owner (as root), mtime, symlinks, hard links and {@code user.*}
 * xattrs are kept.
 */
public final class LayerUnpacker {

  private static final Logger log = LoggerFactory.getLogger(LayerUnpacker.class);
  private static final String WH = ".wh.";
  private static final String OPAQUE = ".wh..wh..opq";
  private static final int MAX_SYMLINKS = 40;

  /**
   * What an unpack produced.
   *
   * @param diffId     sha256 of the uncompressed tar (to check against the config's diff_ids)
   * @param bytes      bytes of regular file content written
   * @param whiteouts  paths (relative, '/'-separated) removed from the lower layers
   * @param opaqueDirs directories whose lower content is hidden
   * @param skipped    entries not created (devices when not root, unknown types, foreign xattrs)
   */
  public record Result(Digest diffId, long bytes, int entries, List<String> whiteouts, List<String> opaqueDirs,
      int skipped) {}

  private final boolean privileged;

  public LayerUnpacker() {
    this(Fs.isRoot());
  }

  /** {@code privileged}: create devices and whiteout nodes and chown (requires root). */
  public LayerUnpacker(boolean privileged) {
    this.privileged = privileged;
  }

  public boolean privileged() {
    return privileged;
  }

  /**
   * Unpacks {@code layer} into {@code target} (an existing, normally empty directory).
   *
   * @param lowerDirs the already unpacked layers below this one, top first (for opaque dirs)
   * @throws ImageException INVALID_CONTENT for a malicious or corrupt layer, UNSUPPORTED for an
   *     unknown compression, IO for local failures
   */
  public Result unpack(InputStream layer, Path target, List<Path> lowerDirs) {
    MessageDigest sha = Digest.newSha256();
    Session s = new Session(target.toAbsolutePath(), lowerDirs);
    try (InputStream tar = new DigestInputStream(decompress(layer), sha)) {
      TarReader reader = new TarReader(tar);
      for (TarEntry e; (e = reader.next()) != null; ) {
        s.apply(e, reader);
      }
      tar.transferTo(OutputStream.nullOutputStream()); // the rest counts for the diff id
      s.finish();
    } catch (ImageException e) {
      throw e;
    } catch (java.util.zip.ZipException | java.io.EOFException e) {
      throw new ImageException(Code.INVALID_CONTENT, "corrupt layer: " + ImageException.describe(e), e);
    } catch (IOException e) {
      if (e.getMessage() != null && e.getMessage().startsWith("corrupt")
          || e.getMessage() != null && e.getMessage().contains("not supported")) {
        throw new ImageException(Code.INVALID_CONTENT, "bad layer: " + e.getMessage(), e);
      }
      throw ImageException.io("cannot unpack layer into " + target, e);
    } catch (InvalidPathException e) {
      throw new ImageException(Code.INVALID_CONTENT, "layer has a file name this system cannot represent ("
          + e.getMessage() + "); run the daemon with a UTF-8 locale (LANG=C.UTF-8)", e);
    }
    return new Result(Digest.of(sha), s.bytes, s.entries, List.copyOf(s.whiteouts), List.copyOf(s.opaque), s.skipped);
  }

  /** gzip (1f 8b), zstd (28 b5 2f fd) or plain tar. */
  static InputStream decompress(InputStream raw) throws IOException {
    BufferedInputStream b = new BufferedInputStream(raw, 65536);
    b.mark(8);
    byte[] m = b.readNBytes(4);
    b.reset();
    if (m.length >= 2 && (m[0] & 0xff) == 0x1f && (m[1] & 0xff) == 0x8b) {
      return new GZIPInputStream(b, 65536);
    }
    if (m.length == 4 && (m[0] & 0xff) == 0x28 && (m[1] & 0xff) == 0xb5 && (m[2] & 0xff) == 0x2f
        && (m[3] & 0xff) == 0xfd) {
      try {
        return new com.github.luben.zstd.ZstdInputStream(b);
      } catch (LinkageError e) {
        throw new ImageException(Code.UNSUPPORTED, "zstd-compressed layer, but the zstd library cannot load here: " + e);
      }
    }
    return b;
  }

  /**
   * Splits a tar entry name into clean components: leading '/' and '.' dropped, '..' applied;
   * a '..' above the root is an attack.
   */
  static List<String> clean(String name) {
    List<String> out = new ArrayList<>();
    for (String c : name.split("/")) {
      if (c.isEmpty() || c.equals(".")) {
        continue;
      }
      if (c.equals("..")) {
        if (out.isEmpty()) {
          throw new ImageException(Code.INVALID_CONTENT, "layer entry '" + name
              + "' escapes the root with '..': refusing the layer");
        }
        out.remove(out.size() - 1);
        continue;
      }
      if (c.indexOf('\0') >= 0) {
        throw new ImageException(Code.INVALID_CONTENT, "layer entry name contains NUL: refusing the layer");
      }
      out.add(c);
    }
    return out;
  }

  private record DirMeta(int mode, Instant mtime) {}

  /** The state of one unpack. */
  private final class Session {
    final Path root;
    final List<Path> lowers;
    final Map<Path, DirMeta> dirs = new LinkedHashMap<>();
    final Set<String> whiteouts = new TreeSet<>();
    final Set<String> opaque = new TreeSet<>();
    long bytes;
    int entries;
    int skipped;

    Session(Path root, List<Path> lowers) {
      this.root = root;
      this.lowers = lowers;
    }

    void apply(TarEntry e, TarReader reader) throws IOException {
      entries++;
      List<String> comps = clean(e.name());
      if (comps.isEmpty()) {
        if (e.isDirectory()) { // "./": the layer root's own attributes
          chown(root, e);
          dirs.put(root, new DirMeta(e.mode(), e.mtime()));
        }
        return;
      }
      String base = comps.get(comps.size() - 1);
      List<String> parentComps = comps.subList(0, comps.size() - 1);
      if (base.startsWith(WH)) {
        whiteout(e, parentComps, base);
        return;
      }
      Path parent = resolve(parentComps, true, true);
      Path target = parent.resolve(base);
      String rel = rel(target);
      PosixFileAttributes existing = Fs.lstat(target);
      if (existing != null) {
        if (existing.isDirectory() && e.isDirectory()) {
          chown(target, e);
          dirs.put(target, new DirMeta(e.mode(), e.mtime()));
          return;
        }
        if (whiteouts.contains(rel) && e.isDirectory()) {
          opaque.add(rel); // deleted and re-created in this layer: nothing of the lower dir shows
        }
        if (existing.isDirectory()) {
          Fs.deleteRecursively(target);
          dirs.keySet().removeIf(p -> p.startsWith(target));
        } else {
          Files.delete(target);
        }
      }
      switch (e.type()) {
        case TarEntry.REGULAR -> {
          try (OutputStream out = Fs.newFile(target); InputStream in = reader.content()) {
            bytes += in.transferTo(out);
          }
          chown(target, e);
          chmod(target, e.mode());
          xattrs(target, e);
          setMtime(target, e.mtime());
        }
        case TarEntry.DIRECTORY -> {
          Files.createDirectory(target);
          chown(target, e);
          xattrs(target, e);
          dirs.put(target, new DirMeta(e.mode(), e.mtime()));
        }
        case TarEntry.SYMLINK -> {
          if (e.linkName().isEmpty()) {
            throw new ImageException(Code.INVALID_CONTENT, "symlink '" + e.name() + "' has an empty target");
          }
          Files.createSymbolicLink(target, Path.of(e.linkName()));
          chown(target, e);
          setMtime(target, e.mtime());
        }
        case TarEntry.HARDLINK -> hardlink(e, target);
        case TarEntry.CHAR, TarEntry.BLOCK, TarEntry.FIFO -> {
          if (e.type() != TarEntry.FIFO && !privileged) {
            log.debug("skipping device {} (not root)", e.name());
            skipped++;
            return;
          }
          Fs.mknod(target, e.type() == TarEntry.CHAR ? 'c' : e.type() == TarEntry.BLOCK ? 'b' : 'p', e.mode(),
              e.devMajor(), e.devMinor());
          chown(target, e);
          chmod(target, e.mode());
        }
        default -> {
          log.debug("skipping tar entry {} of type '{}'", e.name(), e.type());
          skipped++;
        }
      }
    }

    private void hardlink(TarEntry e, Path target) throws IOException {
      List<String> link;
      try {
        link = clean(e.linkName());
      } catch (ImageException x) {
        throw new ImageException(Code.INVALID_CONTENT, "hard link '" + e.name() + "' -> '" + e.linkName()
            + "' points outside the layer: refusing the layer");
      }
      if (link.isEmpty()) {
        throw new ImageException(Code.INVALID_CONTENT, "hard link '" + e.name() + "' to the layer root");
      }
      Path source;
      try {
        source = resolve(link.subList(0, link.size() - 1), false, true).resolve(link.get(link.size() - 1));
      } catch (ImageException x) {
        throw new ImageException(Code.INVALID_CONTENT, "hard link '" + e.name() + "' -> '" + e.linkName()
            + "': target not in the layer (" + x.getMessage() + ")");
      }
      PosixFileAttributes a = Fs.lstat(source);
      if (a == null || a.isDirectory()) {
        throw new ImageException(Code.INVALID_CONTENT, "hard link '" + e.name() + "' -> '" + e.linkName()
            + "': " + (a == null ? "target is not in the layer" : "target is a directory") + ": refusing the layer");
      }
      if (source.equals(target)) {
        return;
      }
      Files.createLink(target, source);
    }

    private void whiteout(TarEntry e, List<String> parentComps, String base) throws IOException {
      Path parent = resolve(parentComps, true, true);
      if (base.equals(OPAQUE)) {
        opaque.add(rel(parent));
        return;
      }
      if (base.startsWith(WH + WH)) {
        skipped++; // AUFS metadata (.wh..wh.plnk etc.)
        return;
      }
      String name = base.substring(WH.length());
      if (name.isEmpty() || name.equals(".") || name.equals("..")) {
        throw new ImageException(Code.INVALID_CONTENT, "invalid whiteout '" + e.name() + "': refusing the layer");
      }
      Path target = parent.resolve(name);
      String rel = rel(target);
      whiteouts.add(rel);
      if (Fs.lstat(target) == null) {
        whiteoutNode(target);
      } // else: created by this very layer; a whiteout only hides lower layers
    }

    private void whiteoutNode(Path p) throws IOException {
      if (!privileged) {
        return; // recorded in the result; the copy mode applies it
      }
      Fs.mknod(p, 'c', 0, 0, 0);
    }

    void finish() throws IOException {
      for (String rel : opaque) {
        emulateOpaque(rel);
      }
      List<Map.Entry<Path, DirMeta>> list = new ArrayList<>(dirs.entrySet());
      for (int i = list.size() - 1; i >= 0; i--) {
        Path p = list.get(i).getKey();
        DirMeta m = list.get(i).getValue();
        chmod(p, m.mode());
        setMtime(p, m.mtime());
      }
    }

    /** Whiteouts for every lower name in an opaque dir that this layer does not provide itself. */
    private void emulateOpaque(String rel) throws IOException {
      Path upper = rel.isEmpty() ? root : root.resolve(rel);
      Map<String, Boolean> lowerNames = new TreeMap<>();
      for (Path lower : lowers) {
        Path d = realDir(lower, rel);
        if (d == null) {
          continue;
        }
        try (var ds = Files.newDirectoryStream(d)) {
          for (Path c : ds) {
            boolean isDir = Files.isDirectory(c, LinkOption.NOFOLLOW_LINKS);
            lowerNames.merge(c.getFileName().toString(), isDir, (a, b) -> a || b);
          }
        }
      }
      for (Map.Entry<String, Boolean> n : lowerNames.entrySet()) {
        Path u = upper.resolve(n.getKey());
        PosixFileAttributes a = Fs.lstat(u);
        if (a == null) {
          whiteoutNode(u);
        } else if (a.isDirectory() && n.getValue()) {
          emulateOpaque(rel.isEmpty() ? n.getKey() : rel + "/" + n.getKey());
        }
      }
    }

    /** {@code base/rel} if every component is a real directory (no symlink followed), else null. */
    private Path realDir(Path base, String rel) throws IOException {
      Path p = base;
      if (!rel.isEmpty()) {
        for (String c : rel.split("/")) {
          p = p.resolve(c);
          PosixFileAttributes a = Fs.lstat(p);
          if (a == null || !a.isDirectory()) {
            return null;
          }
        }
      }
      return Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? p : null;
    }

    /**
     * Resolves {@code comps} below the root without ever leaving it: symlinks met on the way are
     * followed as if the root were '/', '..' stops at the root.
     *
     * @param create     create missing directories (mode 0755)
     * @param followLast follow a symlink in the last component too
     */
    Path resolve(List<String> comps, boolean create, boolean followLast) throws IOException {
      Deque<String> todo = new ArrayDeque<>(comps);
      List<String> done = new ArrayList<>();
      int links = 0;
      while (!todo.isEmpty()) {
        String c = todo.pollFirst();
        if (c.isEmpty() || c.equals(".")) {
          continue;
        }
        if (c.equals("..")) {
          if (!done.isEmpty()) {
            done.remove(done.size() - 1);
          }
          continue;
        }
        Path p = join(done).resolve(c);
        boolean last = todo.isEmpty();
        PosixFileAttributes a = Fs.lstat(p);
        if (a == null) {
          if (!create) {
            throw new ImageException(Code.INVALID_CONTENT, "'" + rel(p) + "' does not exist");
          }
          Files.createDirectory(p);
          chmod(p, 0755);
          done.add(c);
          continue;
        }
        if (a.isSymbolicLink() && (!last || followLast)) {
          if (++links > MAX_SYMLINKS) {
            throw new ImageException(Code.INVALID_CONTENT, "too many levels of symlinks resolving '"
                + String.join("/", comps) + "': refusing the layer");
          }
          String t = Files.readSymbolicLink(p).toString();
          if (t.startsWith("/")) {
            done.clear();
          }
          String[] tc = t.split("/");
          for (int i = tc.length - 1; i >= 0; i--) {
            todo.addFirst(tc[i]);
          }
          continue;
        }
        if (!a.isDirectory() && !(last && !followLast)) {
          throw new ImageException(Code.INVALID_CONTENT, "layer puts an entry below '" + rel(p)
              + "', which is not a directory: refusing the layer");
        }
        done.add(c);
      }
      return join(done);
    }

    private Path join(List<String> comps) {
      Path p = root;
      for (String c : comps) {
        p = p.resolve(c);
      }
      return p;
    }

    private String rel(Path p) {
      return root.relativize(p).toString();
    }

    private void chown(Path p, TarEntry e) throws IOException {
      if (!privileged) {
        return;
      }
      Files.setAttribute(p, "unix:uid", (int) e.uid(), LinkOption.NOFOLLOW_LINKS);
      Files.setAttribute(p, "unix:gid", (int) e.gid(), LinkOption.NOFOLLOW_LINKS);
    }

    private void xattrs(Path p, TarEntry e) {
      for (Map.Entry<String, byte[]> x : e.xattrs().entrySet()) {
        if (!x.getKey().startsWith("user.")) {
          log.debug("not setting xattr {} on {} (only user.* is supported)", x.getKey(), e.name());
          skipped++;
          continue;
        }
        try {
          UserDefinedFileAttributeView v = Files.getFileAttributeView(p, UserDefinedFileAttributeView.class,
              LinkOption.NOFOLLOW_LINKS);
          v.write(x.getKey().substring(5), ByteBuffer.wrap(x.getValue()));
        } catch (IOException | UnsupportedOperationException ex) {
          log.debug("cannot set xattr {} on {}: {}", x.getKey(), e.name(), ex.toString());
          skipped++;
        }
      }
    }
  }

  /** chmod by path with set-id and sticky bits; never called on a symlink. */
  static void chmod(Path p, int mode) throws IOException {
    Files.setAttribute(p, "unix:mode", mode & 07777);
  }

  static void setMtime(Path p, Instant t) {
    try {
      FileTime ft = FileTime.from(t);
      Files.getFileAttributeView(p, BasicFileAttributeView.class, LinkOption.NOFOLLOW_LINKS).setTimes(ft, ft, null);
    } catch (IOException e) {
      log.trace("cannot set mtime of {}: {}", p, e.toString());
    }
  }
}
