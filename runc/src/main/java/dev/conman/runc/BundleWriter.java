package dev.conman.runc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Writes a bundle's config.json. Atomically (temporary file, then rename), so that a daemon
 * killed mid-write never leaves a truncated spec that runc would reject with a confusing error.
 */
public final class BundleWriter {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private BundleWriter() {}

  /**
   * Writes the spec with the container's cgroup at {@link OciSpec#cgroupsPath(String)}. Checks
   * first what only this host can tell (CPUs in the cpuset and the quota, capabilities the
   * daemon can give), so that the caller gets an IllegalArgumentException instead of runc's
   * obscure error at create.
   *
   * @return the written config.json
   * @throws IllegalArgumentException when the host cannot give what the spec asks for
   */
  public static Path write(Path bundleDir, String id, BundleSpec spec) throws IOException {
    spec.resources().checkHost();
    spec.security().checkHost();
    return write(bundleDir, OciSpec.build(Ids.check(id), spec));
  }

  /**
   * Without the container id: no {@code linux.cgroupsPath} in the spec.
   * {@link ContainerRuntime#create} of {@link RuncRuntime} adds it when it is missing.
   *
   * @return the written config.json
   */
  public static Path write(Path bundleDir, BundleSpec spec) throws IOException {
    spec.resources().checkHost();
    spec.security().checkHost();
    return write(bundleDir, OciSpec.build(spec));
  }

  /**
   * A spec of the caller's (a {@code runc spec} of its own, say), naming container {@code id}'s
   * cgroup as {@link #write(Path, String, BundleSpec)} does.
   *
   * @return the written config.json
   */
  public static Path write(Path bundleDir, String id, ObjectNode config) throws IOException {
    return write(bundleDir, OciSpec.nameCgroup(config, id));
  }

  /**
   * The temporary file has a fixed name: a bundle directory belongs to one container, whose actor
   * writes it once at a time, and a leftover of a killed daemon is simply overwritten. (A random
   * name cost a SecureRandom draw and an exclusive create, a tenth of a millisecond a container.)
   */
  static Path write(Path bundleDir, ObjectNode config) throws IOException {
    // compact, as containerd and podman write theirs: runc reads it at create and copies it into its
    // state.json, which the daemon reads back at the start; indented, it cost more to write and to read
    byte[] json = MAPPER.writeValueAsBytes(config);
    Directories.ensure(bundleDir);
    Path target = bundleDir.resolve("config.json");
    Path temp = bundleDir.resolve(".config.json.tmp");
    boolean moved = false;
    try {
      // never through a link: only the daemon writes here, and it makes none
      Files.write(temp, json, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
          StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS);
      Path written = Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      moved = true;
      return written;
    } finally {
      if (!moved) {
        Files.deleteIfExists(temp);
      }
    }
  }
}
