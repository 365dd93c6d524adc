package dev.conman.grpc.system;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SystemInfoPartsTest {

  @TempDir
  Path dir;

  @Test
  void aToolsVersionIsTheFirstLineItPrints() throws IOException {
    Path tool = script("tool", "echo 'tool version 1.2.3'; echo 'commit: abc'; echo 'spec: 1.0.2'");
    assertEquals("tool version 1.2.3", ToolVersion.of(tool));
  }

  @Test
  void aToolThatCannotRunOrPrintsNothingHasNoVersion() throws IOException {
    assertEquals("", ToolVersion.of(dir.resolve("missing")));
    assertEquals("", ToolVersion.of(script("silent", "exit 0")));
  }

  @Test
  void theJournalsBytesCountItsWriteAheadLogAndIndexToo() throws IOException {
    Path db = Files.write(dir.resolve("conman.db"), new byte[100]);
    assertEquals(100, SystemServiceImpl.databaseBytes(db));
    Files.write(dir.resolve("conman.db-wal"), new byte[30]);
    Files.write(dir.resolve("conman.db-shm"), new byte[7]);
    assertEquals(137, SystemServiceImpl.databaseBytes(db));
  }

  private Path script(String name, String body) throws IOException {
    Path f = Files.writeString(dir.resolve(name), "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
    return f;
  }
}
