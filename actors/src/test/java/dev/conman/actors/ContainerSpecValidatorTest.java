package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.runc.VolumeMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ContainerSpecValidatorTest {

  @TempDir Path dir;

  /** An image store that knows one image, with docker-like defaults. */
  private static final Images ONE_IMAGE = new Images() {
    @Override
    public Resolved resolve(String reference) {
      if (!reference.equals("localhost:5000/app:1")) {
        throw ContainerException.notFound(reference);
      }
      return new Resolved("sha256:abc", List.of("/entry", "default-arg"), List.of("PATH=/bin", "MODE=prod"), "/app",
          "1000:1000");
    }

    @Override
    public Path prepare(String imageId, Path containerDir) {
      throw new UnsupportedOperationException();
    }

    @Override
    public void discard(Path containerDir) {
    }
  };

  private ContainerSpec spec(String image, List<String> command, List<String> env, String workdir) {
    return new ContainerSpec("c1", image, command, env, workdir, false, Map.of());
  }

  @Test
  void anImageGivesItsDefaultsAndTheRequestOverridesThem() {
    ContainerSpecValidator v = new ContainerSpecValidator(List.of(dir.resolve("root")), ONE_IMAGE);
    ContainerSpec defaults = v.validate(spec("localhost:5000/app:1", List.of(), List.of(), ""));
    assertEquals("sha256:abc", defaults.imageId());
    assertEquals(List.of("/entry", "default-arg"), defaults.command());
    assertEquals(List.of("PATH=/bin", "MODE=prod"), defaults.env());
    assertEquals("/app", defaults.workdir());
    assertEquals("1000:1000", defaults.security().user());

    ContainerSpec own = v.validate(spec("localhost:5000/app:1", List.of("/bin/sh"), List.of("MODE=dev"), "/tmp"));
    assertEquals(List.of("/bin/sh"), own.command());
    assertEquals(List.of("PATH=/bin", "MODE=prod", "MODE=dev"), own.env(), "the request's env comes last and wins");
    assertEquals("/tmp", own.workdir());
  }

  @Test
  void directoriesMustBeAbsoluteExistingAndOutsideConmansRoots() throws Exception {
    Path root = Files.createDirectories(dir.resolve("root"));
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    ContainerSpecValidator v = new ContainerSpecValidator(List.of(root), ONE_IMAGE);
    assertEquals(rootfs.toRealPath().toString(), v.validate(spec(rootfs.toString(), List.of("/bin/true"), List.of(), ""))
        .image());
    for (String bad : List.of("./rootfs", dir + "/missing", root.toString(), "/", dir + "/../x")) {
      ContainerException e = assertThrows(ContainerException.class,
          () -> v.validate(spec(bad, List.of("/bin/true"), List.of(), "")), bad);
      assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code(), bad);
    }
    assertEquals(ContainerException.Code.NOT_FOUND, assertThrows(ContainerException.class,
        () -> v.validate(spec("localhost:5000/other:1", List.of(), List.of(), ""))).code());
  }

  @Test
  void autoRemoveAndARestartPolicyContradictEachOther() throws Exception {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    ContainerSpecValidator v = new ContainerSpecValidator(List.of(dir.resolve("root")), ONE_IMAGE);
    for (String policy : List.of("always", "on-failure:3", "unless-stopped")) {
      ContainerSpec s = new ContainerSpec("c1", rootfs.toString(), List.of("/bin/true"), List.of(), "/", false,
          java.util.Map.of(), null, RestartPolicy.parse(policy), null, null, null, null, true, null);
      ContainerException e = assertThrows(ContainerException.class, () -> v.validate(s), policy);
      assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("auto_remove (--rm) and restart policy " + policy), e.getMessage());
    }
    ContainerSpec plain = new ContainerSpec("c1", rootfs.toString(), List.of("/bin/true"), List.of(), "/", false,
        java.util.Map.of(), null, RestartPolicy.NO, null, null, null, null, true, null);
    assertTrue(v.validate(plain).autoRemove());
  }

  private ContainerSpec withMounts(Path rootfs, VolumeMount... mounts) {
    return new ContainerSpec("c1", rootfs.toString(), List.of("/bin/true"), List.of(), "/", false, Map.of(), null, null,
        null, null, null, null, null, List.of(mounts));
  }

  private static VolumeMount bind(Object source, String destination) {
    return new VolumeMount(VolumeMount.Kind.BIND, source.toString(), destination, false);
  }

  @Test
  void bindSourcesResolveToRealPathsAndTmpfsHasNone() throws Exception {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Path data = Files.createDirectories(dir.resolve("data"));
    Path link = Files.createSymbolicLink(dir.resolve("link"), data);
    ContainerSpecValidator v = new ContainerSpecValidator(List.of(dir.resolve("root"), dir.resolve("state")));
    ContainerSpec ok = v.validate(withMounts(rootfs, bind(link, "/data/"),
        new VolumeMount(VolumeMount.Kind.TMPFS, "", "/run/cache", true)));
    assertEquals(List.of(new VolumeMount(VolumeMount.Kind.BIND, data.toRealPath().toString(), "/data", false),
        new VolumeMount(VolumeMount.Kind.TMPFS, null, "/run/cache", true)), ok.mounts(),
        "the link's target, a destination without its trailing slash");
  }

  @Test
  void badMountsAreInvalidArgumentsThatSayWhatIsWrong() throws Exception {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    Path root = Files.createDirectories(dir.resolve("root"));
    Path data = Files.createDirectories(dir.resolve("data"));
    ContainerSpecValidator v = new ContainerSpecValidator(List.of(root, dir.resolve("state")));
    Map<String, VolumeMount[]> bad = new java.util.LinkedHashMap<>();
    bad.put("must be absolute", new VolumeMount[] {bind("data", "/data")});
    bad.put("does not exist on the host", new VolumeMount[] {bind(dir.resolve("missing"), "/data")});
    bad.put("must not contain '..'", new VolumeMount[] {bind(data + "/../data", "/data")});
    bad.put("overlaps conman's own directory", new VolumeMount[] {bind(root.resolve("."), "/x")});
    bad.put("overlaps conman's own directory " + root.toRealPath(), new VolumeMount[] {bind(dir, "/x")});
    bad.put("would hide the container's root filesystem", new VolumeMount[] {bind(data, "/")});
    bad.put("is under /proc", new VolumeMount[] {bind(data, "/proc/sys")});
    bad.put("is under /sys", new VolumeMount[] {new VolumeMount(VolumeMount.Kind.TMPFS, null, "/sys", false)});
    bad.put("mount destination 'data' must be absolute", new VolumeMount[] {bind(data, "data")});
    bad.put("two mounts at '/data'", new VolumeMount[] {bind(data, "/data"),
        new VolumeMount(VolumeMount.Kind.TMPFS, null, "/data/", false)});
    bad.put("a tmpfs mount has no source", new VolumeMount[] {new VolumeMount(VolumeMount.Kind.TMPFS, "/tmp", "/t", false)});
    bad.put("needs a type", new VolumeMount[] {new VolumeMount(null, data.toString(), "/data", false)});
    VolumeMount[] many = new VolumeMount[ContainerSpecValidator.MAX_MOUNTS + 1];
    for (int i = 0; i < many.length; i++) {
      many[i] = new VolumeMount(VolumeMount.Kind.TMPFS, null, "/t" + i, false);
    }
    bad.put("at most 64 are allowed", many);
    bad.forEach((expected, mounts) -> {
      ContainerException e = assertThrows(ContainerException.class, () -> v.validate(withMounts(rootfs, mounts)),
          expected);
      assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains(expected), () -> "expected '" + expected + "' in: " + e.getMessage());
    });
  }

  @Test
  void aNamedVolumeKeepsItsNameAndIsMadeBeforeTheContainer() throws Exception {
    Path rootfs = Files.createDirectories(dir.resolve("rootfs"));
    List<String> made = new java.util.ArrayList<>();
    ContainerSpecValidator v = new ContainerSpecValidator(List.of(dir.resolve("root")), Images.NONE,
        Networks.HOST_ONLY, made::add);
    ContainerSpec ok = v.validate(withMounts(rootfs, new VolumeMount(VolumeMount.Kind.VOLUME, "pg-data", "/var/db",
        false)));
    assertEquals(List.of(new VolumeMount(VolumeMount.Kind.VOLUME, "pg-data", "/var/db", false)), ok.mounts());
    assertEquals(List.of("pg-data"), made);
    ContainerException e = assertThrows(ContainerException.class, () -> v.validate(withMounts(rootfs,
        new VolumeMount(VolumeMount.Kind.VOLUME, "../etc", "/x", false))));
    assertTrue(e.getMessage().contains("mount at '/x': invalid volume name '../etc'"), e.getMessage());
    assertEquals(List.of("pg-data"), made, "nothing made for a refused create");
  }
}
