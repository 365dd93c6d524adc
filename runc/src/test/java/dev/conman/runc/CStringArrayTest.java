package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.sun.jna.Native;
import com.sun.jna.Pointer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class CStringArrayTest {

  @Test
  void holdsTheStringsInUtf8ThenNull() {
    CStringArray array = CStringArray.of(List.of("conmon", "", "é=ü"));
    assertEquals(List.of("conmon", "", "é=ü"), read(array));
    assertEquals(3, array.count());
  }

  @Test
  void endsWithTheEntriesOfItsTail() {
    CStringArray tail = CStringArray.of(List.of("PATH=/bin", "LC_ALL=C.UTF-8"));
    CStringArray array = CStringArray.of(List.of("_OCI_SYNCPIPE=3"), tail);
    assertEquals(List.of("_OCI_SYNCPIPE=3", "PATH=/bin", "LC_ALL=C.UTF-8"), read(array));
    assertEquals(List.of("", "x"), read(CStringArray.of(List.of(), CStringArray.of(List.of("", "x")))));
    assertEquals(List.of(), read(CStringArray.of(List.of())));
  }

  /** The strings up to the NULL, as execve would walk them. */
  private static List<String> read(CStringArray array) {
    List<String> strings = new ArrayList<>();
    for (long at = 0; ; at += Native.POINTER_SIZE) {
      Pointer p = array.getPointer(at);
      if (p == null) {
        return strings;
      }
      strings.add(p.getString(0, "UTF-8"));
    }
  }

  @Test
  void anEmptyArrayIsJustTheNull() {
    assertNull(CStringArray.of(List.of()).getPointer(0));
  }
}
