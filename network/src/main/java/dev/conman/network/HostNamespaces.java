package dev.conman.network;

import dev.conman.runc.CommandResult;
import dev.conman.runc.CommandRunner;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * Namespaces in {@code /run/netns} through {@code ip netns add/delete} (so that
 * {@code ip netns exec NAME} works for debugging); in any other directory through
 * {@code unshare --net=FILE true} and {@code umount}. Both keep the namespace alive by a bind
 * mount of {@code /proc/PID/ns/net} onto the file after the creating process has exited.
 */
final class HostNamespaces implements Namespaces {

  private final Path dir;
  private final boolean ipNetns;
  private final CommandRunner runner;
  private final Duration timeout;

  HostNamespaces(Path dir, boolean ipNetns, CommandRunner runner, Duration timeout) {
    this.dir = dir;
    this.ipNetns = ipNetns;
    this.runner = runner;
    this.timeout = timeout;
  }

  @Override
  public Path dir() {
    return dir;
  }

  @Override
  public Path create(String name) throws NetworkException {
    Path path = dir.resolve(name);
    if (Files.exists(path)) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "network namespace " + path + " already exists");
    }
    if (ipNetns) {
      run(List.of("ip", "netns", "add", name), "create the network namespace " + name);
      return path;
    }
    try {
      Files.createDirectories(dir);
      Files.createFile(path);
    } catch (FileAlreadyExistsException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "network namespace " + path + " already exists");
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot create " + path + ": " + e.getMessage(), e);
    }
    try {
      run(List.of("unshare", "--net=" + path, "true"), "create the network namespace " + path);
    } catch (NetworkException e) {
      try {
        Files.deleteIfExists(path);
      } catch (IOException ignored) {
        // the original error matters more
      }
      throw e;
    }
    return path;
  }

  @Override
  public boolean exists(Path path) {
    return Files.exists(path) && mounted(path);
  }

  @Override
  public void delete(Path path) throws NetworkException {
    if (!Files.exists(path)) {
      return;
    }
    if (ipNetns && path.getParent().equals(dir)) {
      CommandResult r = runResult(List.of("ip", "netns", "delete", path.getFileName().toString()),
          "delete the network namespace " + path);
      if (r.ok() || !Files.exists(path)) {
        return;
      }
      // e.g. a file that is not a mount: fall through to umount and unlink
    }
    if (mounted(path)) {
      CommandResult r = runResult(List.of("umount", "-l", path.toString()), "unmount " + path);
      if (!r.ok() && mounted(path)) {
        throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot unmount the network namespace "
            + path + ": " + r.stderr().strip());
      }
    }
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot remove " + path + ": " + e.getMessage(), e);
    }
  }

  /** Whether {@code path} is a mount point of an nsfs (a live namespace handle). */
  static boolean mounted(Path path) {
    try {
      String target = path.toAbsolutePath().normalize().toString();
      for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"), StandardCharsets.UTF_8)) {
        String[] f = line.split(" ");
        if (f.length > 4 && unescape(f[4]).equals(target)) {
          return true;
        }
      }
      return false;
    } catch (IOException e) {
      return Files.exists(path);
    }
  }

  private static String unescape(String field) {
    return field.replace("\\040", " ").replace("\\011", "\t").replace("\\012", "\n").replace("\\134", "\\");
  }

  private void run(List<String> argv, String what) throws NetworkException {
    CommandResult r = runResult(argv, what);
    if (!r.ok()) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot " + what + ": "
          + String.join(" ", argv) + " exited with " + r.exitCode() + ": " + r.stderr().strip());
    }
  }

  private CommandResult runResult(List<String> argv, String what) throws NetworkException {
    return Host.run(runner, argv, timeout, what);
  }
}
