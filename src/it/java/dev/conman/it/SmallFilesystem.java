package dev.conman.it;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;

/**
 * A small file system of fixed size mounted on a directory: how a test makes the disk under the
 * daemon's journal full (a filler file takes all the free space, and gives it back), or read-only
 * (ext4 on a loop device, made to fail as it does on an I/O error: read-only at once, with files
 * open for writing, and for good until it is checked and mounted again).
 *
 * <p>{@link #close()} unmounts (which also frees the loop device); the daemon and every process that
 * holds a file there (conmon holds container logs) must be gone by then.
 */
final class SmallFilesystem implements AutoCloseable {

  private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(30);

  private final Path mountPoint;
  private final Path filler;
  private boolean mounted;

  private SmallFilesystem(Path mountPoint) {
    this.mountPoint = mountPoint;
    this.filler = mountPoint.resolve("filler");
  }

  /** Mounts a tmpfs of {@code size} (as mount takes it: {@code 32m}) on {@code dir}, created if missing. */
  static SmallFilesystem tmpfs(Path dir, String size) throws IOException {
    Files.createDirectories(dir);
    SmallFilesystem fs = new SmallFilesystem(dir);
    run("mount", "-t", "tmpfs", "-o", "size=" + size + ",mode=0711", "conman-it-tmpfs", dir.toString());
    fs.mounted = true;
    return fs;
  }

  /**
   * Mounts an ext4 file system of {@code megabytes} in {@code image} (a new file outside {@code dir})
   * on {@code dir}, created if missing, through a loop device that is freed when it is unmounted.
   */
  static SmallFilesystem ext4(Path dir, Path image, int megabytes) throws IOException {
    Files.createDirectories(dir);
    try (FileChannel f = FileChannel.open(image, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      f.truncate(0).position(megabytes * 1024L * 1024L - 1).write(ByteBuffer.allocate(1));
    }
    run("mkfs.ext4", "-q", "-F", image.toString());
    SmallFilesystem fs = new SmallFilesystem(dir);
    run("mount", "-o", "loop,errors=remount-ro", image.toString(), dir.toString());
    fs.mounted = true;
    return fs;
  }

  /**
   * Makes an {@link #ext4} file system fail as on an I/O error: the kernel aborts its journal and
   * remounts it read-only; every write fails with EROFS from then on, also to files already open.
   */
  void failReadOnly() throws IOException {
    String device = Path.of(Exec.run(MOUNT_TIMEOUT, "findmnt", "-n", "-o", "SOURCE", mountPoint.toString())
        .stdout().strip()).getFileName().toString();
    Files.writeString(Path.of("/sys/fs/ext4", device, "trigger_fs_error"), "conman-it: made read-only by the test\n");
    // the mount options still say rw (and emergency_ro): only a write tells
    try {
      Files.delete(Files.createTempFile(mountPoint, "probe", null));
      throw new IllegalStateException(mountPoint + " is still writable after an ext4 error");
    } catch (java.nio.file.FileSystemException expected) {
      if (!"Read-only file system".equals(expected.getReason())) {
        throw expected;
      }
    }
  }

  /** Writes the filler until the file system refuses a single byte more; returns its size. */
  long fill() throws IOException {
    ByteBuffer chunk = ByteBuffer.allocate(64 * 1024);
    long written = 0;
    try (FileChannel out = FileChannel.open(filler, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
        StandardOpenOption.APPEND)) {
      // big chunks first, then single bytes: tmpfs hands out whole pages, so the last page fills too
      for (int size : new int[] {chunk.capacity(), 1}) {
        while (true) {
          chunk.clear().limit(size);
          try {
            int n = out.write(chunk);
            if (n == 0) {
              break;
            }
            written += n;
          } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
              throw e;
            }
            break;
          }
        }
      }
    }
    return written;
  }

  /** Deletes the filler: the space is back. */
  void free() throws IOException {
    Files.deleteIfExists(filler);
  }

  /** Bytes still free. */
  long usable() throws IOException {
    return Files.getFileStore(mountPoint).getUsableSpace();
  }

  @Override
  public void close() {
    if (!mounted) {
      return;
    }
    // a process that held a file there may take a moment to be reaped
    long deadline = System.nanoTime() + MOUNT_TIMEOUT.toNanos();
    while (true) {
      Exec.Result r = Exec.run(MOUNT_TIMEOUT, "umount", mountPoint.toString());
      if (r.exitCode() == 0) {
        mounted = false;
        return;
      }
      if (System.nanoTime() > deadline) {
        // detach it so that the machine is not left with a mount; its memory is freed once unused
        Exec.run(MOUNT_TIMEOUT, "umount", "--lazy", mountPoint.toString());
        mounted = false;
        throw new IllegalStateException("unmounting " + mountPoint + " failed, detached it lazily: " + r);
      }
      ConmanDaemon.sleep(200);
    }
  }

  private static void run(String... command) {
    Exec.Result r = Exec.run(MOUNT_TIMEOUT, command);
    if (r.exitCode() != 0) {
      throw new IllegalStateException("failed: " + r);
    }
  }
}
