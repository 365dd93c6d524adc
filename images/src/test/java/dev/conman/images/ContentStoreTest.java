package dev.conman.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContentStoreTest {

  @TempDir Path root;

  private static final byte[] DATA = "hello blob".repeat(1000).getBytes(StandardCharsets.UTF_8);

  @Test
  void storesVerifiedAndAtomically() throws IOException {
    ContentStore s = new ContentStore(root);
    Digest d = Digest.of(DATA);
    assertFalse(s.contains(d));
    assertTrue(s.ensure(d, DATA.length, () -> new ByteArrayInputStream(DATA), null));
    assertTrue(s.contains(d));
    assertEquals(root.resolve("blobs/sha256/" + d.hex()), s.path(d));
    assertArrayEquals(DATA, s.read(d));
    assertEquals(DATA.length, s.size(d));
    assertTrue(s.verify(d));
    assertEquals(List.of(d), s.list());
    assertEquals(d, s.put(DATA));
  }

  @Test
  void dedup() {
    ContentStore s = new ContentStore(root);
    Digest d = Digest.of(DATA);
    AtomicInteger opens = new AtomicInteger();
    assertTrue(s.ensure(d, DATA.length, () -> {
      opens.incrementAndGet();
      return new ByteArrayInputStream(DATA);
    }, null));
    assertFalse(s.ensure(d, DATA.length, () -> {
      opens.incrementAndGet();
      return new ByteArrayInputStream(DATA);
    }, null));
    assertEquals(1, opens.get());
  }

  @Test
  void concurrentWritersOfOneBlobDownloadOnce() throws Exception {
    ContentStore s = new ContentStore(root);
    Digest d = Digest.of(DATA);
    AtomicInteger opens = new AtomicInteger();
    CountDownLatch start = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    List<Future<Boolean>> fs = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      fs.add(pool.submit(() -> {
        start.await();
        return s.ensure(d, DATA.length, () -> {
          opens.incrementAndGet();
          return slow(DATA);
        }, null);
      }));
    }
    start.countDown();
    int written = 0;
    for (Future<Boolean> f : fs) {
      written += f.get(10, TimeUnit.SECONDS) ? 1 : 0;
    }
    pool.shutdown();
    assertEquals(1, written);
    assertEquals(1, opens.get());
  }

  private static InputStream slow(byte[] data) {
    return new ByteArrayInputStream(data) {
      @Override
      public synchronized int read(byte[] b, int off, int len) {
        try {
          Thread.sleep(5);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        return super.read(b, off, Math.min(len, 1000));
      }
    };
  }

  @Test
  void digestMismatchKeepsNothing() throws IOException {
    ContentStore s = new ContentStore(root);
    Digest d = Digest.of(DATA);
    byte[] tampered = DATA.clone();
    tampered[5] ^= 1;
    ImageException e = assertThrows(ImageException.class,
        () -> s.ensure(d, DATA.length, () -> new ByteArrayInputStream(tampered), null));
    assertEquals(ImageException.Code.DIGEST_MISMATCH, e.code());
    assertTrue(e.getMessage().contains(d.toString()), e.getMessage());
    assertFalse(s.contains(d));
    assertNoFiles();
  }

  @Test
  void sizeMismatchKeepsNothing() throws IOException {
    ContentStore s = new ContentStore(root);
    Digest d = Digest.of(DATA);
    assertEquals(ImageException.Code.DIGEST_MISMATCH, assertThrows(ImageException.class,
        () -> s.ensure(d, 10, () -> new ByteArrayInputStream(DATA), null)).code());
    assertEquals(ImageException.Code.DIGEST_MISMATCH, assertThrows(ImageException.class,
        () -> s.ensure(d, DATA.length + 1, () -> new ByteArrayInputStream(DATA), null)).code());
    assertNoFiles();
  }

  @Test
  void interruptedSourceKeepsNothing() throws IOException {
    ContentStore s = new ContentStore(root);
    Digest d = Digest.of(DATA);
    ImageException e = assertThrows(ImageException.class, () -> s.ensure(d, DATA.length, () -> new InputStream() {
      int n;

      @Override
      public int read() throws IOException {
        if (++n > 100) {
          throw new IOException("connection reset");
        }
        return 'x';
      }
    }, null));
    assertEquals(ImageException.Code.REGISTRY_UNAVAILABLE, e.code());
    assertNoFiles();
  }

  @Test
  void gcAndCrashLeftovers() throws IOException {
    ContentStore s = new ContentStore(root);
    Digest keep = s.put("keep".getBytes(StandardCharsets.UTF_8));
    Digest drop = s.put("drop".getBytes(StandardCharsets.UTF_8));
    Files.writeString(root.resolve("blobs/tmp/" + drop.hex() + ".partial"), "half");
    long[] r = s.gc(Set.of(keep));
    assertEquals(1, r[0]);
    assertEquals(4, r[1]);
    assertTrue(s.contains(keep));
    assertFalse(s.contains(drop));
    Files.writeString(root.resolve("blobs/tmp/x.partial"), "half");
    new ContentStore(root); // reopening after a crash cleans temp files
    assertFalse(Files.exists(root.resolve("blobs/tmp/x.partial")));
  }

  @Test
  void verifyDetectsCorruption() throws IOException {
    ContentStore s = new ContentStore(root);
    Digest d = s.put(DATA);
    Path p = s.path(d);
    p.toFile().setWritable(true);
    Files.writeString(p, "corrupt");
    assertFalse(s.verify(d));
    assertFalse(s.contains(d));
  }

  private void assertNoFiles() throws IOException {
    try (Stream<Path> w = Files.walk(root)) {
      assertEquals(List.of(), w.filter(Files::isRegularFile).toList());
    }
  }
}
