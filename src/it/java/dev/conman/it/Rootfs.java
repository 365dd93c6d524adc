package dev.conman.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;

/**
 * A minimal root filesystem from Debian's busybox-static: one static binary and the applet links
 * the tests use. Built inside a daemon's temporary directory, so the daemon's clean-up removes it.
 */
public final class Rootfs {

  private static final Path BUSYBOX = Path.of("/bin/busybox");
  private static final List<String> APPLETS = List.of("sh", "sleep", "true", "echo", "cat", "ls", "kill");
  private static final List<String> DIRS = List.of("proc", "dev", "sys", "tmp", "etc");

  private Rootfs() {}

  /** Builds the root filesystem in {@code dir} (created; it must not exist yet) and returns it. */
  public static Path build(Path dir) throws IOException {
    if (!Files.isExecutable(BUSYBOX)) {
      throw new IllegalStateException(BUSYBOX + " is missing: apt-get install busybox-static");
    }
    Files.createDirectory(dir);
    Path bin = Files.createDirectory(dir.resolve("bin"));
    Files.copy(BUSYBOX, bin.resolve("busybox"), StandardCopyOption.COPY_ATTRIBUTES);
    Files.setPosixFilePermissions(bin.resolve("busybox"), PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String applet : APPLETS) {
      Files.createSymbolicLink(bin.resolve(applet), Path.of("busybox"));
    }
    for (String d : DIRS) {
      Files.createDirectory(dir.resolve(d));
    }
    Files.setPosixFilePermissions(dir.resolve("tmp"), PosixFilePermissions.fromString("rwxrwxrwx"));
    return dir;
  }
}
