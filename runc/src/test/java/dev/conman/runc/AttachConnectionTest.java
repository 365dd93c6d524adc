package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The SEQPACKET framing against a socket that plays conmon's attach socket. */
class AttachConnectionTest {

  private Path dir;
  private int listening = -1;

  @BeforeEach
  void listen() throws IOException {
    // a short path: sockaddr_un holds 107 bytes, and the test plays conmon, which binds it directly
    dir = Files.createTempDirectory(Path.of("/tmp"), "att");
    listening = SeqPacketSocket.listen(dir.resolve("attach"));
  }

  @AfterEach
  void cleanUp() throws IOException {
    Libc.closeQuietly(listening);
    Files.deleteIfExists(dir.resolve("attach"));
    Files.deleteIfExists(dir.resolve("link"));
    Files.deleteIfExists(dir);
  }

  @Test
  void readsFramesByPipeAndWritesStdinInPacketsConmonReadsWhole() throws Exception {
    Files.createSymbolicLink(dir.resolve("link"), dir);
    try (AttachConnection client = new AttachConnection(SeqPacketSocket.connect(dir.resolve("link"), "attach"));
        SeqPacketSocket conmon = SeqPacketSocket.accept(listening)) {
      conmon.write(new byte[] {2, 'h', 'i'}, 3);
      conmon.write(new byte[] {3, 'e'}, 2);
      AttachConnection.Frame out = client.read();
      assertEquals(AttachConnection.STDOUT, out.pipe());
      assertArrayEquals("hi".getBytes(StandardCharsets.US_ASCII), out.data());
      assertTrue(client.read().stderr());

      byte[] big = new byte[AttachConnection.MAX_STDIN_PACKET * 2 + 5];
      client.write(big);
      byte[] packet = new byte[64 * 1024];
      assertEquals(AttachConnection.MAX_STDIN_PACKET, conmon.read(packet));
      assertEquals(AttachConnection.MAX_STDIN_PACKET, conmon.read(packet));
      assertEquals(5, conmon.read(packet));

      client.closeStdin();
      assertEquals(-1, conmon.read(packet), "conmon sees the end of stdin");
      conmon.write(new byte[] {2, 'x'}, 2);
      assertArrayEquals(new byte[] {'x'}, client.read().data(), "output still arrives after closeStdin");
    }
  }

  @Test
  void closeWakesABlockedReaderAndTheEndOfConmonEndsTheStream() throws Exception {
    AttachConnection client = new AttachConnection(SeqPacketSocket.connect(dir, "attach"));
    SeqPacketSocket conmon = SeqPacketSocket.accept(listening);
    CompletableFuture<AttachConnection.Frame> read = CompletableFuture.supplyAsync(() -> {
      try {
        return client.read();
      } catch (IOException e) {
        throw new RuntimeException(e);
      }
    });
    Thread.sleep(100);
    client.close();
    assertNull(read.get(5, TimeUnit.SECONDS));
    assertNull(client.read());
    assertThrows(IOException.class, () -> client.write(new byte[] {1}));
    conmon.close();

    try (AttachConnection second = new AttachConnection(SeqPacketSocket.connect(dir, "attach"))) {
      SeqPacketSocket.accept(listening).close();
      assertNull(second.read(), "conmon closing is the end of the stream");
    }
  }

  @Test
  void aMissingSocketIsAClearFailure() {
    IOException e = assertThrows(IOException.class, () -> SeqPacketSocket.connect(dir, "nothing"));
    assertTrue(e.getMessage().contains("nothing"), e.getMessage());
  }
}
