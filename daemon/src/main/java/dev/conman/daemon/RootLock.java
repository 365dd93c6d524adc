package dev.conman.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Makes sure one daemon at a time owns a root: two would journal the same containers and drive the
 * same runc root. The kernel drops the lock when the process dies, so a SIGKILLed daemon leaves
 * nothing stale behind.
 */
public final class RootLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private RootLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /** @throws IllegalStateException naming the holder's pid when another daemon holds the lock */
  public static RootLock acquire(Path lockFile) throws IOException {
    Files.createDirectories(lockFile.getParent());
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE);
    FileLock lock = channel.tryLock();
    if (lock == null) {
      String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
      channel.close();
      throw new IllegalStateException("another conmand (pid " + (holder.isEmpty() ? "unknown" : holder)
          + ") already uses the root " + lockFile.getParent() + "; stop it first, or give this one another --root");
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    return new RootLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
