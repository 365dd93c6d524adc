package dev.conman.images;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** File system helpers: atomic writes, recursive deletion that never follows symlinks, mknod. */
public final class Fs {

  private static final boolean ROOT = computeRoot();

  private Fs() {}

  private static boolean computeRoot() {
    try {
      return ((Integer) Files.getAttribute(Path.of("/proc/self"), "unix:uid")) == 0;
    } catch (IOException | RuntimeException e) {
      return "root".equals(System.getProperty("user.name"));
    }
  }

  /** Whether this process runs as root (may create devices, chown, mount). */
  static boolean isRoot() {
    return ROOT;
  }

  /** {@code lstat}: the attributes of {@code p} itself, or null if nothing is there. */
  static PosixFileAttributes lstat(Path p) throws IOException {
    try {
      return Files.readAttributes(p, PosixFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
    } catch (NoSuchFileException e) {
      return null;
    }
  }

  /** Writes {@code bytes} to {@code target} atomically: temp file in the same directory, fsync, rename, fsync dir. */
  static void writeAtomically(Path target, byte[] bytes) throws IOException {
    Path tmp = target.resolveSibling("." + target.getFileName() + ".tmp-" + ProcessHandle.current().pid() + "-"
        + Thread.currentThread().getId());
    try {
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE)) {
        ch.write(java.nio.ByteBuffer.wrap(bytes));
        ch.force(true);
      }
      moveAtomically(tmp, target);
    } finally {
      Files.deleteIfExists(tmp);
    }
  }

  static void moveAtomically(Path from, Path to) throws IOException {
    try {
      Files.move(from, to, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      throw new IOException("cannot rename " + from + " to " + to + " atomically", e);
    }
    fsyncDir(to.getParent());
  }

  static void fsyncDir(Path dir) {
    try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
      ch.force(true);
    } catch (IOException ignored) {
      // not all file systems allow it; the rename is still atomic
    }
  }

  static void fsync(Path file) throws IOException {
    try (FileChannel ch = FileChannel.open(file, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
  }

  /** Deletes {@code p} and everything below it; never follows a symlink out of it. */
  public static void deleteRecursively(Path p) throws IOException {
    if (lstat(p) == null) {
      return;
    }
    Files.walkFileTree(p, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFileFailed(Path file, IOException exc) throws IOException {
        if (exc instanceof NoSuchFileException) {
          return FileVisitResult.CONTINUE;
        }
        // e.g. a directory without permissions while not root: try to delete it anyway
        Files.deleteIfExists(file);
        return FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
        try {
          Files.deleteIfExists(dir);
        } catch (DirectoryNotEmptyException e) {
          throw new IOException("cannot delete " + dir + ": not empty (a mount inside?)", e);
        }
        return FileVisitResult.CONTINUE;
      }
    });
  }

  /** Deletes a directory tree by first renaming it aside (so a crash leaves no half-deleted dir under its name). */
  static void deleteAside(Path dir) throws IOException {
    if (lstat(dir) == null) {
      return;
    }
    Path aside = dir.resolveSibling(".del-" + dir.getFileName() + "-" + System.nanoTime());
    Files.move(dir, aside, StandardCopyOption.ATOMIC_MOVE);
    deleteRecursively(aside);
  }

  /** Creates a character or block device ({@code type} 'c' or 'b') or a FIFO ('p'). */
  static void mknod(Path p, char type, int mode, long major, long minor) throws IOException {
    List<String> cmd = new ArrayList<>();
    if (type == 'p') {
      cmd.addAll(List.of("mkfifo", "-m", Integer.toOctalString(mode & 07777), "--", p.toString()));
    } else {
      cmd.addAll(List.of("mknod", "-m", Integer.toOctalString(mode & 07777), "--", p.toString(),
          String.valueOf(type), Long.toString(major), Long.toString(minor)));
    }
    run(cmd, null);
  }

  /** Runs a short command; throws with its output if it fails. */
  static String run(List<String> cmd, Path cwd) throws IOException {
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    if (cwd != null) {
      pb.directory(cwd.toFile());
    }
    Process p = pb.start();
    String out;
    try (var in = p.getInputStream()) {
      out = new String(in.readAllBytes(), StandardCharsets.UTF_8).strip();
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", cmd) + ": timed out");
      }
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IOException(String.join(" ", cmd) + ": interrupted", e);
    }
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", cmd) + " failed (exit " + p.exitValue() + "): " + out);
    }
    return out;
  }

  static OutputStream newFile(Path p) throws IOException {
    // CREATE_NEW is O_CREAT|O_EXCL: fails on anything already there, a symlink included
    return Files.newOutputStream(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
  }
}
