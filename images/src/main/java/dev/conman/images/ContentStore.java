package dev.conman.images;

import dev.conman.images.ImageException.Code;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.function.LongConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Content-addressed blobs under {@code <images>/blobs/sha256/<hex>}. A blob appears under its name
 * only after its full content has been verified against the digest (and size): it is written to
 * {@code <images>/blobs/tmp/}, fsynced and renamed atomically, so a crash or a failed download
 * never leaves a partial or wrong blob. Writers of one digest are serialised: the second waits
 * and then finds the blob present (downloaded once). Thread-safe; one process per store.
 */
public final class ContentStore {

  private static final Logger log = LoggerFactory.getLogger(ContentStore.class);

  /** Where a blob's bytes come from (a registry download, a file, ...). */
  @FunctionalInterface
  public interface BlobSource {
    InputStream open() throws IOException;
  }

  private final Path blobs;
  private final Path tmp;
  private final KeyedLocks locks = new KeyedLocks();

  /** Opens (creating) the store under {@code imagesRoot}; removes temp files left by a crash. */
  public ContentStore(Path imagesRoot) {
    this.blobs = imagesRoot.resolve("blobs").resolve(Digest.SHA256);
    this.tmp = imagesRoot.resolve("blobs").resolve("tmp");
    try {
      Files.createDirectories(blobs);
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw ImageException.io("cannot create the content store under " + imagesRoot, e);
    }
    cleanTemp();
  }

  /** Where blob {@code d} is (whether or not it exists). */
  public Path path(Digest d) {
    return blobs.resolve(d.hex());
  }

  public boolean contains(Digest d) {
    return Files.isRegularFile(path(d));
  }

  /** The blob's size, or -1 if absent. */
  public long size(Digest d) {
    try {
      return Files.size(path(d));
    } catch (IOException e) {
      return -1;
    }
  }

  /** Opens a stored blob. @throws ImageException NOT_FOUND if absent */
  public InputStream open(Digest d) {
    try {
      return Files.newInputStream(path(d));
    } catch (NoSuchFileException e) {
      throw new ImageException(Code.NOT_FOUND, "blob " + d + " is not in the content store", e);
    } catch (IOException e) {
      throw ImageException.io("cannot open blob " + d, e);
    }
  }

  public byte[] read(Digest d) {
    try (InputStream in = open(d)) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw ImageException.io("cannot read blob " + d, e);
    }
  }

  /** Stores {@code bytes} under their digest (no-op if present) and returns it. */
  public Digest put(byte[] bytes) {
    Digest d = Digest.of(bytes);
    ensure(d, bytes.length, () -> new java.io.ByteArrayInputStream(bytes), null);
    return d;
  }

  /**
   * Makes sure blob {@code d} is stored: if absent, reads {@code source} to a temp file while
   * hashing and counting, and renames it into place only if digest and size match.
   *
   * @param size     the expected size, or -1 if unknown
   * @param progress called with the bytes read so far (may be null)
   * @return true if the blob was written now, false if it was already there
   * @throws ImageException DIGEST_MISMATCH (nothing kept), REGISTRY_UNAVAILABLE when reading the
   *     source fails, IO when writing fails
   */
  public boolean ensure(Digest d, long size, BlobSource source, LongConsumer progress) {
    try (KeyedLocks.Held ignored = locks.lock(d.hex())) {
      if (contains(d)) {
        return false;
      }
      Path temp = tmp.resolve(d.hex() + "." + UUID.randomUUID());
      try {
        write(d, size, source, progress, temp);
        Files.setPosixFilePermissions(temp, PosixFilePermissions.fromString("r--r--r--"));
        Fs.moveAtomically(temp, path(d));
        return true;
      } catch (IOException e) {
        throw ImageException.io("cannot store blob " + d, e);
      } finally {
        try {
          Files.deleteIfExists(temp);
        } catch (IOException e) {
          log.warn("cannot delete {}: {}", temp, e.toString());
        }
      }
    }
  }

  private void write(Digest d, long size, BlobSource source, LongConsumer progress, Path temp) throws IOException {
    MessageDigest sha = Digest.newSha256();
    long total = 0;
    try (InputStream in = openSource(d, source); OutputStream out = Files.newOutputStream(temp)) {
      byte[] buf = new byte[65536];
      while (true) {
        int n;
        try {
          n = in.read(buf);
        } catch (IOException e) {
          throw new ImageException(Code.REGISTRY_UNAVAILABLE, "download of blob " + d + " failed after " + total
              + (size >= 0 ? " of " + size : "") + " bytes: " + ImageException.describe(e) + "; pull again to retry", e);
        }
        if (n < 0) {
          break;
        }
        total += n;
        if (size >= 0 && total > size) {
          throw new ImageException(Code.DIGEST_MISMATCH, "blob " + d + " is larger than the " + size
              + " bytes its descriptor declares: refused, nothing stored");
        }
        sha.update(buf, 0, n);
        out.write(buf, 0, n);
        if (progress != null) {
          progress.accept(total);
        }
      }
    }
    if (size >= 0 && total != size) {
      throw new ImageException(Code.DIGEST_MISMATCH, "blob " + d + " has " + total + " bytes, its descriptor declares "
          + size + ": refused, nothing stored");
    }
    Digest got = Digest.of(sha);
    if (!got.equals(d)) {
      throw new ImageException(Code.DIGEST_MISMATCH, "blob " + d + " does not match its digest (content hashes to "
          + got + "): refused, nothing stored");
    }
    Fs.fsync(temp);
  }

  private static InputStream openSource(Digest d, BlobSource source) throws IOException {
    try {
      return source.open();
    } catch (IOException e) {
      throw new ImageException(Code.REGISTRY_UNAVAILABLE, "cannot fetch blob " + d + ": " + ImageException.describe(e), e);
    }
  }

  /** Re-hashes a stored blob; false (and the blob is deleted) if it is corrupt. */
  public boolean verify(Digest d) {
    try (KeyedLocks.Held ignored = locks.lock(d.hex()); InputStream in = Files.newInputStream(path(d))) {
      MessageDigest sha = Digest.newSha256();
      byte[] buf = new byte[65536];
      for (int n; (n = in.read(buf)) > 0; ) {
        sha.update(buf, 0, n);
      }
      if (Digest.of(sha).equals(d)) {
        return true;
      }
      log.warn("blob {} is corrupt on disk: deleting it", d);
      Files.deleteIfExists(path(d));
      return false;
    } catch (NoSuchFileException e) {
      return false;
    } catch (IOException e) {
      throw ImageException.io("cannot verify blob " + d, e);
    }
  }

  /** All stored blobs. */
  public List<Digest> list() {
    List<Digest> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobs)) {
      for (Path p : ds) {
        try {
          out.add(new Digest(p.getFileName().toString()));
        } catch (IllegalArgumentException e) {
          // not ours
        }
      }
    } catch (IOException e) {
      throw ImageException.io("cannot list " + blobs, e);
    }
    return out;
  }

  /** Deletes a blob; returns the bytes freed (0 if absent). */
  public long delete(Digest d) {
    try (KeyedLocks.Held ignored = locks.lock(d.hex())) {
      long size = size(d);
      return Files.deleteIfExists(path(d)) ? size : 0;
    } catch (IOException e) {
      throw ImageException.io("cannot delete blob " + d, e);
    }
  }

  /**
   * Deletes every blob not in {@code keep}. The caller must make sure no pull is adding blobs
   * meanwhile ({@link ImageStore#gc()} does).
   *
   * @return {count, bytes}
   */
  long[] gc(Set<Digest> keep) {
    long count = 0;
    long bytes = 0;
    for (Digest d : list()) {
      if (!keep.contains(d)) {
        bytes += delete(d);
        count++;
      }
    }
    cleanTemp();
    return new long[] {count, bytes};
  }

  /** Removes temp files of interrupted writes (call only when no write is in progress). */
  void cleanTemp() {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
      for (Path p : ds) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      log.warn("cannot clean {}: {}", tmp, e.toString());
    }
  }
}
