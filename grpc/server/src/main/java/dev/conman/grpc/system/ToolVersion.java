package dev.conman.grpc.system;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The first line of what {@code <binary> --version} prints: "runc version 1.1.5+ds1", "conmon
 * version 2.1.6". Blocking; asked once per daemon (the binaries do not change under it).
 */
final class ToolVersion {

  private static final long TIMEOUT_SECONDS = 10;

  private ToolVersion() {}

  /** Empty when the binary cannot be run, prints nothing, or takes longer than 10 s. */
  static String of(Path binary) {
    Process p;
    try {
      p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true)
          .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
    } catch (IOException e) {
      return "";
    }
    try (InputStream out = p.getInputStream()) {
      // --version prints a few lines: the first names the version, the rest is not read
      String text = new String(out.readNBytes(4096), StandardCharsets.UTF_8);
      if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "";
      }
      return text.lines().findFirst().map(String::strip).orElse("");
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      p.destroyForcibly();
      return "";
    }
  }
}
