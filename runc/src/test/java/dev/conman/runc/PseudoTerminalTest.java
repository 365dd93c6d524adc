package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon's pseudo-terminal with a real shell on its slave, started the way runc exec --tty is
 * (a shell redirect opens the slave as the child's stdio).
 */
class PseudoTerminalTest {

  @TempDir
  Path dir;

  private ExecProcess start(PseudoTerminal t, String script) throws IOException {
    Process p = new ProcessBuilder(RuncRuntime.withTerminalStdio(List.of("/bin/sh", "-c", script), t.slavePath()))
        .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.DISCARD)
        .start();
    return new ExecProcess(p, dir.resolve("pid"), dir.resolve("log.json"), t);
  }

  private static CompletableFuture<String> readAll(InputStream in) {
    return CompletableFuture.supplyAsync(() -> {
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      byte[] b = new byte[4096];
      try {
        int n;
        while ((n = in.read(b)) >= 0) {
          all.write(b, 0, n);
        }
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
      return all.toString(StandardCharsets.UTF_8);
    });
  }

  @Test
  void theChildHasATerminalOfTheSizeGivenReadsInputAndItsOutputEndsAfterItsExit() throws Exception {
    PseudoTerminal t = PseudoTerminal.open(30, 100);
    assertTrue(t.slavePath().toString().startsWith("/dev/pts/"), t.slavePath().toString());
    ExecProcess p = start(t, "tty; stty size; read x; echo got:$x; exit 4");
    CompletableFuture<String> output = readAll(p.stdout());
    p.stdin().write("hello\n".getBytes(StandardCharsets.UTF_8));
    p.closeStdin(); // ignored with a terminal: the stream stays usable
    assertEquals(4, p.waitFor());
    String out = output.get(10, TimeUnit.SECONDS);
    assertTrue(out.contains(t.slavePath() + "\n"), out);
    assertTrue(out.contains("30 100\n"), out);
    // raw: no echo of the input, no \r added to the output
    assertTrue(out.endsWith("got:hello\n"), out);
    assertEquals(-1, p.stderr().read());
    p.release();
  }

  @Test
  void resizeSetsTheWindowSize() throws Exception {
    try (PseudoTerminal t = PseudoTerminal.open(0, 0)) {
      assertArrayEquals(new int[] {0, 0}, t.size());
      t.resize(50, 65535);
      assertArrayEquals(new int[] {50, 65535}, t.size());
      assertThrows(IllegalArgumentException.class, () -> t.resize(65536, 1));
      assertThrows(IllegalArgumentException.class, () -> t.resize(-1, 1));
    }
  }

  @Test
  void outputBeforeTheChildStartedIsNotLostAndAClosedTerminalReadsEnd() throws Exception {
    PseudoTerminal t = PseudoTerminal.open(24, 80);
    ExecProcess p = start(t, "echo early; exit 0");
    assertEquals(0, p.waitFor()); // nobody read yet
    assertEquals("early\n", readAll(p.stdout()).get(10, TimeUnit.SECONDS));
    p.release();
    assertEquals(-1, t.read(new byte[8], 0, 8));
    assertThrows(IOException.class, () -> t.write(new byte[1], 0, 1));
  }

  @Test
  void aCloseWakesABlockedReader() throws Exception {
    PseudoTerminal t = PseudoTerminal.open(24, 80);
    CompletableFuture<String> output = readAll(t.input());
    Thread.sleep(100);
    t.close();
    assertEquals("", output.get(10, TimeUnit.SECONDS));
    assertTrue(Files.notExists(dir.resolve("pid")));
  }
}
