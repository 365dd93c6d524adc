package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit files, conmon's sync messages and container ids. */
class SmallParsersTest {

  private static final Instant T = Instant.parse("2026-11-28T19:44:46.306834182Z");

  @Test
  void aConfigLacksACgroupPathOnlyWhenItsLinuxObjectNamesNone() throws Exception {
    assertTrue(RuncRuntime.lacksCgroupsPath(bytes("{\"ociVersion\":\"1.0.2\",\"linux\":{\"namespaces\":[{\"type\":\"pid\"}]}}")));
    assertTrue(RuncRuntime.lacksCgroupsPath(bytes("{\"process\":{\"cgroupsPath\":\"/not/here\"}}")), "only linux's counts");
    assertTrue(RuncRuntime.lacksCgroupsPath(bytes("{\"linux\":null}")));
    assertFalse(RuncRuntime.lacksCgroupsPath(bytes(
        "{\"process\":{\"args\":[\"a\"]},\"linux\":{\"resources\":{},\"cgroupsPath\":\"/conman/x\"},\"z\":1}")));
    assertFalse(RuncRuntime.lacksCgroupsPath(bytes("[1]")), "not an object: left to runc");
  }

  private static byte[] bytes(String json) {
    return json.getBytes(java.nio.charset.StandardCharsets.UTF_8);
  }

  @Test
  void readsAnExitFileWithItsModificationTime(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("abc");
    Files.writeString(file, "137");
    Files.setLastModifiedTime(file, FileTime.from(T));
    assertEquals(Optional.of(new ExitRecord(137, T)), ExitFiles.read(file));
  }

  @Test
  void anEmptyOrMissingOrGarbledExitFileIsAbsent(@TempDir Path dir) throws Exception {
    assertEquals(Optional.empty(), ExitFiles.read(dir.resolve("missing")));
    Path empty = Files.writeString(dir.resolve("empty"), "");
    assertEquals(Optional.empty(), ExitFiles.read(empty));
    assertEquals(Optional.empty(), ExitFiles.parse("  \n", T, empty));
    assertEquals(Optional.empty(), ExitFiles.parse("seven", T, empty));
    assertEquals(Optional.of(new ExitRecord(7, T)), ExitFiles.parse("7\n", T, empty));
    assertEquals(Optional.of(new ExitRecord(-1, T)), ExitFiles.parse("-1", T, empty));
  }

  @Test
  void parsesConmonSyncMessages() throws Exception {
    SyncMessage ok = SyncMessage.parse("{\"data\": 3644}");
    assertTrue(ok.succeeded());
    assertEquals(3644, ok.data());
    assertEquals(Optional.empty(), ok.message());

    SyncMessage failed = SyncMessage.parse("{\"data\": -1, \"message\": \"runc create failed: unable to "
        + "start container process: exec: \\\"\\/bin\\/nonexistent\\\": stat \\/bin\\/nonexistent: no such "
        + "file or directory\\n\"}");
    assertFalse(failed.succeeded());
    assertEquals(Optional.of("runc create failed: unable to start container process: exec: "
        + "\"/bin/nonexistent\": stat /bin/nonexistent: no such file or directory"), failed.message());

    assertThrows(RuntimeFailure.class, () -> SyncMessage.parse("{\"pid\": 1}"));
    assertThrows(RuntimeFailure.class, () -> SyncMessage.parse("garbage"));
  }

  @Test
  void refusesIdsThatCouldEscapeOrReadAsOptions() {
    assertEquals("a".repeat(64), Ids.check("a".repeat(64)));
    assertEquals("my_box-1", Ids.check("my_box-1"));
    for (String bad : new String[] {"", "-x", "../x", "a/b", "a.b", "a b", "a".repeat(129)}) {
      assertThrows(IllegalArgumentException.class, () -> Ids.check(bad), bad);
    }
  }

  @Test
  void exitWatcherSkipsConmonsTemporaryFiles() {
    assertTrue(ExitWatcher.isExitFile("abc"));
    assertFalse(ExitWatcher.isExitFile("abc.Q2XZ1A"));
  }
}
