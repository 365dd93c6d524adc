package dev.conman.images;

import dev.conman.images.ImageException.Code;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Unpacked layers, one directory per chain id: {@code <images>/layers/<chain hex>/diff} and
 * {@code layer.json}. A snapshot is unpacked into {@code .tmp-*} and renamed into place when
 * complete (and its diff id verified), so a present snapshot is always whole.
 */
final class LayerStore {

  private static final Logger log = LoggerFactory.getLogger(LayerStore.class);

  private final Path dir;
  private final ContentStore content;
  private final LayerUnpacker unpacker;
  private final KeyedLocks locks = new KeyedLocks();

  LayerStore(Path imagesRoot, ContentStore content, LayerUnpacker unpacker) {
    this.dir = imagesRoot.resolve("layers");
    this.content = content;
    this.unpacker = unpacker;
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw ImageException.io("cannot create " + dir, e);
    }
    cleanTemp();
  }

  Path root() {
    return dir;
  }

  Path diff(Digest chainId) {
    return dir.resolve(chainId.hex()).resolve("diff");
  }

  boolean contains(Digest chainId) {
    return Files.isRegularFile(dir.resolve(chainId.hex()).resolve("layer.json"));
  }

  LayerInfo info(Digest chainId) {
    Path f = dir.resolve(chainId.hex()).resolve("layer.json");
    try {
      return Json.MAPPER.readValue(f.toFile(), LayerInfo.class);
    } catch (java.io.FileNotFoundException e) {
      throw new ImageException(Code.NOT_FOUND, "layer snapshot " + chainId + " is missing; pull the image again", e);
    } catch (IOException e) {
      throw ImageException.io("cannot read " + f, e);
    }
  }

  /** The chain id of a layer with {@code diffId} on top of {@code parent} (null for a base layer). */
  static Digest chainId(Digest parent, Digest diffId) {
    if (parent == null) {
      return diffId;
    }
    return Digest.of((parent + " " + diffId).getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /**
   * Makes sure the snapshot {@code chainId} exists, unpacking blob {@code blob} (which must be in
   * the content store) on top of {@code lowerChainIds} (top first, all present).
   *
   * @return true if unpacked now
   */
  boolean ensure(Digest chainId, Digest parent, Digest diffId, Digest blob, List<Digest> lowerChainIds) {
    try (KeyedLocks.Held ignored = locks.lock(chainId.hex())) {
      if (contains(chainId)) {
        return false;
      }
      Path tmp = dir.resolve(".tmp-" + chainId.hex() + "-" + UUID.randomUUID());
      try {
        Path diff = Files.createDirectories(tmp.resolve("diff"));
        LayerUnpacker.chmod(diff, 0755);
        List<Path> lowers = new ArrayList<>();
        for (Digest c : lowerChainIds) {
          lowers.add(diff(c));
        }
        LayerUnpacker.Result r;
        long t0 = System.nanoTime();
        try (InputStream in = content.open(blob)) {
          r = unpacker.unpack(in, diff, lowers);
        }
        if (!r.diffId().equals(diffId)) {
          throw new ImageException(Code.DIGEST_MISMATCH, "layer " + blob + " unpacks to diff id " + r.diffId()
              + " but the image config says " + diffId + ": refusing it");
        }
        LayerInfo info = new LayerInfo(chainId.toString(), diffId.toString(), parent == null ? null : parent.toString(),
            blob.toString(), r.bytes(), r.whiteouts(), r.opaqueDirs(), unpacker.privileged(), Instant.now());
        Fs.writeAtomically(tmp.resolve("layer.json"), Json.MAPPER.writeValueAsBytes(info));
        Files.move(tmp, dir.resolve(chainId.hex()), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        Fs.fsyncDir(dir);
        log.debug("unpacked layer {} ({} entries, {} bytes) in {} ms", chainId.shortHex(), r.entries(), r.bytes(),
            (System.nanoTime() - t0) / 1_000_000);
        return true;
      } catch (IOException e) {
        throw ImageException.io("cannot unpack layer " + blob, e);
      } finally {
        try {
          Fs.deleteRecursively(tmp);
        } catch (IOException e) {
          log.warn("cannot delete {}: {}", tmp, e.toString());
        }
      }
    }
  }

  List<Digest> list() {
    List<Digest> out = new ArrayList<>();
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
      for (Path p : ds) {
        String n = p.getFileName().toString();
        if (!n.startsWith(".")) {
          try {
            out.add(new Digest(n));
          } catch (IllegalArgumentException ignored) {
            // not ours
          }
        }
      }
    } catch (IOException e) {
      throw ImageException.io("cannot list " + dir, e);
    }
    return out;
  }

  /** Deletes a snapshot; returns its content size (0 if absent). */
  long delete(Digest chainId) {
    try (KeyedLocks.Held ignored = locks.lock(chainId.hex())) {
      Path d = dir.resolve(chainId.hex());
      if (Fs.lstat(d) == null) {
        return 0;
      }
      long size = 0;
      try {
        size = info(chainId).size();
      } catch (ImageException broken) {
        // delete anyway
      }
      Fs.deleteAside(d);
      return size;
    } catch (IOException e) {
      throw ImageException.io("cannot delete layer " + chainId, e);
    }
  }

  /** Removes half-unpacked and half-deleted snapshots (only when nothing is being unpacked). */
  void cleanTemp() {
    try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir, p -> {
      String n = p.getFileName().toString();
      return n.startsWith(".tmp-") || n.startsWith(".del-");
    })) {
      for (Path p : ds) {
        Fs.deleteRecursively(p);
      }
    } catch (IOException e) {
      log.warn("cannot clean {}: {}", dir, e.toString());
    }
  }
}
