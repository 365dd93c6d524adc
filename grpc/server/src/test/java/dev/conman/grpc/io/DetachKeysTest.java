package dev.conman.grpc.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.actors.ContainerException;
import org.junit.jupiter.api.Test;

class DetachKeysTest {

  @Test
  void parsesDockersFormatWithCtrlPCtrlQAsTheDefault() {
    assertArrayEquals(new byte[] {16, 17}, DetachKeys.parse("").sequence());
    assertArrayEquals(new byte[] {16, 17}, DetachKeys.parse(null).sequence());
    assertArrayEquals(new byte[] {1, 'x', 0, 27, 28, 29, 30, 31}, DetachKeys.parse("ctrl-a,x,ctrl-@,ctrl-[,ctrl-\\,ctrl-],ctrl-^,CTRL-_").sequence());
  }

  @Test
  void rejectsWhatIsNotAKeyAsAnInvalidArgumentNamingIt() {
    for (String bad : new String[] {"ctrl-", "ctrl-1", "ctrl-pp", "a,,b", "ab", " ", "ctrl-p,"}) {
      ContainerException e = assertThrows(ContainerException.class, () -> DetachKeys.parse(bad), bad);
      assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains("detach key"), e.getMessage());
    }
  }

  @Test
  void theSequenceIsNeverForwardedAndABrokenPrefixIsForwardedAfterAll() {
    DetachKeys.Scanner s = DetachKeys.parse("").scanner();
    DetachKeys.Scanner.Result r = s.feed(new byte[] {'a', 16});
    assertArrayEquals(new byte[] {'a'}, r.forward(), "ctrl-p held back: it may start the sequence");
    assertFalse(r.detach());
    r = s.feed(new byte[] {'b'});
    assertArrayEquals(new byte[] {16, 'b'}, r.forward(), "not the sequence after all");
    r = s.feed(new byte[] {16, 16, 17, 'z'});
    assertArrayEquals(new byte[] {16}, r.forward(), "the first ctrl-p was typed, the second starts the sequence");
    assertTrue(r.detach(), "ctrl-p ctrl-q detaches; what follows is dropped");
    r = s.feed(new byte[] {16});
    assertFalse(r.detach());
    assertTrue(s.feed(new byte[] {17}).detach(), "across frames");
    assertTrue(DetachKeys.parse("x").scanner().feed(new byte[] {'a', 'x'}).detach());
  }
}
