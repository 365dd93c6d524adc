package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UserResolverTest {

  private static final String PASSWD = """
      root:x:0:0:root:/root:/bin/sh
      # a comment
      daemon:x:1:1::/:/bin/false
      app:x:1000:1000:App:/home/app:/bin/sh
      broken line
      nobody:x:65534:65534:nobody:/nonexistent:/bin/false
      """;
  private static final String GROUP = """
      root:x:0:
      wheel:x:10:root,app
      app:x:1000:
      audio:x:29:app
      extra:x:2000:someone, app
      staff:x:50:app
      """;

  @TempDir Path dir;
  private Path rootfs;

  @BeforeEach
  void setUp() throws IOException {
    rootfs = dir.resolve("rootfs");
    Files.createDirectories(rootfs.resolve("etc"));
    Files.writeString(rootfs.resolve("etc/passwd"), PASSWD);
    Files.writeString(rootfs.resolve("etc/group"), GROUP);
  }

  @Test
  void resolvesNamesWithTheirPrimaryAndSupplementaryGroups() {
    assertEquals(new User(1000, 1000, List.of(10L, 29L, 2000L, 50L)), UserResolver.resolve(rootfs, "app"));
    assertEquals(new User(0, 0, List.of(10L)), UserResolver.resolve(rootfs, "root"));
    assertEquals(new User(0, 0, List.of(10L)), UserResolver.resolve(rootfs, ""));
    assertEquals(new User(0, 0, List.of(10L)), UserResolver.resolve(rootfs, null));
    assertEquals(new User(65534, 65534, List.of()), UserResolver.resolve(rootfs, "nobody"));
  }

  @Test
  void aNumericUidIsLookedUpButNeedNotExist() {
    assertEquals(new User(1000, 1000, List.of(10L, 29L, 2000L, 50L)), UserResolver.resolve(rootfs, "1000"));
    assertEquals(new User(4242, 0, List.of()), UserResolver.resolve(rootfs, "4242"));
  }

  @Test
  void anExplicitGroupReplacesTheUsersGroups() {
    assertEquals(new User(1000, 29, List.of()), UserResolver.resolve(rootfs, "app:audio"));
    assertEquals(new User(1000, 7, List.of()), UserResolver.resolve(rootfs, "app:7"));
    assertEquals(new User(5, 6, List.of()), UserResolver.resolve(rootfs, "5:6"));
    assertEquals(new User(4242, 50, List.of()), UserResolver.resolve(rootfs, "4242:staff"));
  }

  @Test
  void unknownNamesAndMalformedSpecsAreRejectedClearly() {
    assertMessage("user 'ghost' is not in the container's /etc/passwd", "ghost");
    assertMessage("group 'ghosts' is not in the container's /etc/group", "app:ghosts");
    assertMessage("is not USER[:GROUP]", "app:");
    assertMessage("is not USER[:GROUP]", ":10");
    assertMessage("is not USER[:GROUP]", "a:b:c");
    assertMessage("uid 4294967295 in user '4294967295' is out of range", "4294967295");
    assertMessage("out of range", "99999999999999999999");
    assertMessage("gid 4294967296", "1:4294967296");
  }

  @Test
  void withoutPasswdOnlyNumbersWork() throws IOException {
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.delete(rootfs.resolve("etc/group"));
    assertEquals(new User(1000, 1000, List.of()), UserResolver.resolve(rootfs, "1000:1000"));
    assertEquals(new User(0, 0, List.of()), UserResolver.resolve(rootfs, ""));
    assertMessage("(it has none; give a numeric UID[:GID])", "app");
    assertMessage("(it has none; give a numeric GID)", "1:app");
  }

  @Test
  void anAbsoluteSymlinkToTheHostsShadowStaysInsideTheRootfs() throws IOException {
    Path hostSecret = dir.resolve("host-shadow");
    Files.writeString(hostSecret, "secret:x:777:777::/:/bin/sh\n");
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), hostSecret);
    // read as the container sees it: rootfs + hostSecret does not exist, so no passwd at all
    assertMessage("user 'secret' is not in the container's /etc/passwd (it has none", "secret");
    assertEquals(Optional.empty(), UserResolver.readInside(rootfs, "/etc/passwd"));

    // with the same path inside the rootfs, that file (and only that one) is read
    Path inside = rootfs.resolve(hostSecret.toString().substring(1));
    Files.createDirectories(inside.getParent());
    Files.writeString(inside, "mine:x:5:5::/:/bin/sh\n");
    assertEquals(new User(5, 5, List.of()), UserResolver.resolve(rootfs, "mine"));
  }

  @Test
  void relativeSymlinksCannotClimbOutOfTheRootfs() throws IOException {
    Files.writeString(dir.resolve("passwd"), "secret:x:777:777::/:/bin/sh\n");
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("../../../../../../../passwd"));
    assertMessage("(it has none", "secret");
    Files.writeString(rootfs.resolve("passwd"), "inside:x:8:9::/:/bin/sh\n");
    assertEquals(new User(8, 9, List.of()), UserResolver.resolve(rootfs, "inside"), "'..' stops at the rootfs");
  }

  @Test
  void aSymlinkedEtcDirectoryIsResolvedInsideTheRootfs() throws IOException {
    Path hostEtc = dir.resolve("host-etc");
    Files.createDirectories(hostEtc);
    Files.writeString(hostEtc.resolve("passwd"), "secret:x:777:777::/:/bin/sh\n");
    Files.delete(rootfs.resolve("etc/passwd"));
    Files.delete(rootfs.resolve("etc/group"));
    Files.delete(rootfs.resolve("etc"));
    Files.createSymbolicLink(rootfs.resolve("etc"), hostEtc);
    assertMessage("(it has none", "secret");
    // and a link inside the rootfs is followed like the container would
    Files.delete(rootfs.resolve("etc"));
    Files.createDirectories(rootfs.resolve("real/etc"));
    Files.writeString(rootfs.resolve("real/etc/passwd"), "linked:x:3:4::/:/bin/sh\n");
    Files.createSymbolicLink(rootfs.resolve("etc"), Path.of("real/etc"));
    assertEquals(new User(3, 4, List.of()), UserResolver.resolve(rootfs, "linked"));
  }

  @Test
  void refusesFifosDirectoriesAndLoopsInsteadOfHanging() throws Exception {
    Files.delete(rootfs.resolve("etc/passwd"));
    Process mkfifo = new ProcessBuilder("mkfifo", rootfs.resolve("etc/passwd").toString()).start();
    assertEquals(0, mkfifo.waitFor());
    assertTimeoutPreemptively(Duration.ofSeconds(5), () -> assertMessage("not a regular file", "app"));

    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createDirectory(rootfs.resolve("etc/passwd"));
    assertMessage("not a regular file", "app");

    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/etc/loop"));
    Files.createSymbolicLink(rootfs.resolve("etc/loop"), Path.of("passwd"));
    assertMessage("too many levels of symbolic links", "app");

    Files.delete(rootfs.resolve("etc/passwd"));
    Files.createSymbolicLink(rootfs.resolve("etc/passwd"), Path.of("/"));
    assertMessage("not a regular file", "app");
  }

  @Test
  void aHugeFileIsRefused() throws IOException {
    try (var out = Files.newOutputStream(rootfs.resolve("etc/passwd"))) {
      out.write(new byte[UserResolver.MAX_FILE_BYTES + 1]);
    }
    assertMessage("larger than", "app");
  }

  private void assertMessage(String fragment, String spec) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> UserResolver.resolve(rootfs, spec));
    assertTrue(e.getMessage().contains(fragment), e.getMessage());
  }
}
