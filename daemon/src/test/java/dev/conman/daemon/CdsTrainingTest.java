package dev.conman.daemon;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdsTrainingTest {

  @TempDir
  Path dir;

  @Test
  void anElfWithoutAnInterpreterIsStatic() throws IOException {
    assertTrue(CdsTraining.isStaticExecutable(elf("static", 1, 6)));
  }

  @Test
  void anElfWithAnInterpreterNeedsTheHostsLoader() throws IOException {
    assertFalse(CdsTraining.isStaticExecutable(elf("dynamic", 6, 3, 1)));
  }

  @Test
  void scriptsMissingFilesAndFilesThatCannotRunAreNot() throws IOException {
    Path script = executable("script", "#!/bin/sh\ntrue\n".getBytes());
    assertFalse(CdsTraining.isStaticExecutable(script));
    assertFalse(CdsTraining.isStaticExecutable(dir.resolve("missing")));
    Path notExecutable = elf("plain", 1);
    Files.setPosixFilePermissions(notExecutable, PosixFilePermissions.fromString("rw-r--r--"));
    assertFalse(CdsTraining.isStaticExecutable(notExecutable));
  }

  /** A 64-bit little-endian ELF header followed by program headers of the given types. */
  private Path elf(String name, int... programHeaderTypes) throws IOException {
    int entrySize = 56;
    ByteBuffer b = ByteBuffer.allocate(64 + entrySize * programHeaderTypes.length).order(ByteOrder.LITTLE_ENDIAN);
    b.putInt(0, 0x464c457f).put(4, (byte) 2).put(5, (byte) 1).put(6, (byte) 1);
    b.putLong(32, 64).putShort(54, (short) entrySize).putShort(56, (short) programHeaderTypes.length);
    for (int i = 0; i < programHeaderTypes.length; i++) {
      b.putInt(64 + i * entrySize, programHeaderTypes[i]);
    }
    return executable(name, b.array());
  }

  private Path executable(String name, byte[] content) throws IOException {
    Path f = Files.write(dir.resolve(name), content);
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    return f;
  }
}
