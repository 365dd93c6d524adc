package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class BundleWriterTest {

  private static final String ID = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

  @TempDir
  Path dir;

  @Test
  void writesTheConfigAtomicallyOverAnEarlierOneAndALeftoverOfAKilledDaemon() throws Exception {
    Path bundle = dir.resolve("bundles/one");
    BundleWriter.write(bundle, ID, spec("/bin/first"));
    Files.writeString(bundle.resolve(".config.json.tmp"), "{\"truncated");
    Path config = BundleWriter.write(bundle, ID, spec("/bin/second"));
    assertEquals(bundle.resolve("config.json"), config);
    assertEquals("/bin/second", new ObjectMapper().readTree(config.toFile()).path("process").path("args").path(0).asText());
    assertEquals(List.of(config), Files.list(bundle).toList(), "no temporary file is left");
  }

  @Test
  void neverWritesThroughALink() throws Exception {
    Path bundle = Files.createDirectories(dir.resolve("bundle"));
    Path elsewhere = dir.resolve("elsewhere");
    Files.createSymbolicLink(bundle.resolve(".config.json.tmp"), elsewhere);
    assertThrows(IOException.class, () -> BundleWriter.write(bundle, ID, spec("/bin/true")));
    assertFalse(Files.exists(elsewhere));
    assertFalse(Files.exists(bundle.resolve("config.json")));
    assertFalse(Files.exists(bundle.resolve(".config.json.tmp"), LinkOption.NOFOLLOW_LINKS),
        "the link is removed, so that the next write succeeds");
  }

  private Path rootfs() throws IOException {
    return Files.createDirectories(dir.resolve("rootfs"));
  }

  private BundleSpec spec(String program) throws IOException {
    return new BundleSpec(List.of(program), List.of(), "/", rootfs(), false, "h");
  }
}
