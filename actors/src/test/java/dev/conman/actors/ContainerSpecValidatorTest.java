package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
          java.util.Map.of(), null, RestartPolicy.parse(policy), null, null, null, null, true);
      ContainerException e = assertThrows(ContainerException.class, () -> v.validate(s), policy);
      assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("auto_remove (--rm) and restart policy " + policy), e.getMessage());
    }
    ContainerSpec plain = new ContainerSpec("c1", rootfs.toString(), List.of("/bin/true"), List.of(), "/", false,
        java.util.Map.of(), null, RestartPolicy.NO, null, null, null, null, true);
    assertTrue(v.validate(plain).autoRemove());
  }
}
