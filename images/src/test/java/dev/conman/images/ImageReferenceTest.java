package dev.conman.images;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class ImageReferenceTest {

  private static final String HEX = "a".repeat(64);

  @ParameterizedTest
  @CsvSource({
      "busybox, docker.io/library/busybox:latest",
      "busybox:1.36, docker.io/library/busybox:1.36",
      "library/busybox, docker.io/library/busybox:latest",
      "docker.io/busybox, docker.io/library/busybox:latest",
      "index.docker.io/library/busybox:x, docker.io/library/busybox:x",
      "user/app, docker.io/user/app:latest",
      "quay.io/x/y:tag, quay.io/x/y:tag",
      "localhost:5000/busybox:latest, localhost:5000/busybox:latest",
      "localhost/busybox, localhost/busybox:latest",
      "127.0.0.1:5000/a/b/c, 127.0.0.1:5000/a/b/c:latest",
      "[::1]:5000/x:1, [::1]:5000/x:1",
      "Registry.Example.com/x, Registry.Example.com/x:latest",
      "my-reg.example.com:443/team/app_1.two__three:v1.0-rc_2, my-reg.example.com:443/team/app_1.two__three:v1.0-rc_2",
  })
  void normalises(String in, String canonical) {
    assertEquals(canonical, ImageReference.parse(in).toString());
  }

  @Test
  void digests() {
    ImageReference r = ImageReference.parse("busybox@sha256:" + HEX);
    assertNull(r.tag());
    assertEquals("sha256:" + HEX, r.manifestReference());
    assertEquals("docker.io/library/busybox@sha256:" + HEX, r.toString());
    ImageReference both = ImageReference.parse("localhost:5000/b:1@sha256:" + HEX);
    assertEquals("1", both.tag());
    assertEquals("sha256:" + HEX, both.manifestReference());
  }

  @Test
  void parts() {
    ImageReference r = ImageReference.parse("busybox");
    assertEquals("docker.io", r.registry());
    assertEquals("library/busybox", r.repository());
    assertEquals("registry-1.docker.io", r.apiHost());
    assertEquals("busybox", r.familiarName());
    assertEquals("docker.io/library/busybox:latest", r.taggedName());
    ImageReference l = ImageReference.parse("localhost:5000/busybox:1");
    assertEquals("localhost:5000", l.apiHost());
    assertEquals("localhost:5000/busybox", l.familiarName());
  }

  @ParameterizedTest
  @ValueSource(strings = {"", " ", "busybox ", "UPPER", "docker.io/UPPER/x", "a//b", "-a", "a-", "a..b", "a:",
      "a:-tag", "a:.tag", "a@sha256:abc", "a@md5:" + "a", "a@sha512:abc", "localhost:99999/x", "host:5000/",
      "a/b:c:d", "x@", "bad host/x", "a:b@sha256:" + "A"})
  void rejects(String s) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(s));
    assertTrue(e.getMessage() != null && !e.getMessage().isBlank());
  }

  @Test
  void messagesSayWhatIsWrong() {
    assertTrue(msg("Busybox").contains("lowercase"));
    assertTrue(msg("busybox:-x").contains("invalid tag"));
    assertTrue(msg("busybox@sha256:123").contains("64"));
    assertTrue(msg("busybox@sha512:" + HEX).contains("only sha256"));
    assertTrue(msg("a".repeat(300)).contains("longer than 255"));
  }

  private static String msg(String s) {
    return assertThrows(IllegalArgumentException.class, () -> ImageReference.parse(s)).getMessage();
  }

  @Test
  void tooLongTag() {
    assertThrows(IllegalArgumentException.class, () -> ImageReference.parse("a:" + "t".repeat(129)));
    ImageReference.parse("a:" + "t".repeat(128));
  }

  @Test
  void digestParse() {
    assertEquals(HEX, Digest.parse("sha256:" + HEX).hex());
    assertThrows(IllegalArgumentException.class, () -> Digest.parse("sha256:" + HEX.toUpperCase()));
    assertThrows(IllegalArgumentException.class, () -> Digest.parse(HEX));
  }

  @Test
  void platform() {
    assertEquals(new Platform("linux", "arm64", "v8"), Platform.parse("linux/arm64/v8"));
    assertTrue(Platform.LINUX_AMD64.matches("linux", "amd64", null));
    assertThrows(IllegalArgumentException.class, () -> Platform.parse("linux"));
  }
}
