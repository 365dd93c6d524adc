package dev.conman.daemon;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.function.Function;

/**
 * A lock file that one process at a time holds, with the holder's pid written in it. The kernel
 * drops the lock when the process dies, so a SIGKILLed daemon leaves nothing stale behind. One
 * guards a root: two daemons would journal the same containers and drive the same runc root.
 * One guards a bridge: two daemons would hand out the same addresses on it, each from its own
 * address book.
 */
public final class HolderLock implements AutoCloseable {

  private final FileChannel channel;
  private final FileLock lock;

  private HolderLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * @param refusal the message when another process holds the lock, given the holder's pid
   *     ("unknown" when it wrote none)
   * @throws IllegalStateException with that message
   */
  public static HolderLock acquire(Path lockFile, Function<String, String> refusal) throws IOException {
    Files.createDirectories(lockFile.getParent());
    FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.CREATE, StandardOpenOption.READ,
        StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // held by this process already
    }
    if (lock == null) {
      String holder = new String(Files.readAllBytes(lockFile), StandardCharsets.UTF_8).trim();
      channel.close();
      throw new IllegalStateException(refusal.apply(holder.isEmpty() ? "unknown" : holder));
    }
    channel.truncate(0);
    channel.write(ByteBuffer.wrap((ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.UTF_8)), 0);
    return new HolderLock(channel, lock);
  }

  @Override
  public void close() throws IOException {
    lock.release();
    channel.close();
  }
}
