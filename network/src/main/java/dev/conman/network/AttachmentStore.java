package dev.conman.network;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** One JSON file per attachment, replaced atomically (write a temporary file, fsync, rename). */
final class AttachmentStore {

  private static final String SUFFIX = ".json";

  private final Path dir;

  AttachmentStore(Path dir) {
    this.dir = dir;
  }

  Path file(String containerId) {
    return dir.resolve(containerId + SUFFIX);
  }

  Optional<AttachmentRecord> read(String containerId) throws NetworkException {
    Path file = file(containerId);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(CniConfigs.MAPPER.readValue(file.toFile(), AttachmentRecord.class));
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "unreadable attachment record " + file + ": "
          + e.getMessage(), e);
    }
  }

  boolean exists(String containerId) {
    return Files.exists(file(containerId));
  }

  void write(AttachmentRecord record) throws NetworkException {
    Path file = file(record.containerId());
    Path tmp = dir.resolve("." + record.containerId() + SUFFIX + ".tmp");
    try {
      Files.createDirectories(dir);
      Files.write(tmp, CniConfigs.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(record));
      try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
        ch.force(true);
      }
      try {
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
      } catch (AtomicMoveNotSupportedException e) {
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
      }
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot write the attachment record " + file + ": "
          + e.getMessage(), e);
    }
  }

  void delete(String containerId) throws NetworkException {
    try {
      Files.deleteIfExists(file(containerId));
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot delete the attachment record of "
          + containerId + ": " + e.getMessage(), e);
    }
  }

  /** Container ids with a record, sorted. */
  List<String> ids() throws NetworkException {
    List<String> ids = new ArrayList<>();
    if (!Files.isDirectory(dir)) {
      return ids;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, "*" + SUFFIX)) {
      for (Path f : files) {
        String name = f.getFileName().toString();
        if (!name.startsWith(".")) {
          ids.add(name.substring(0, name.length() - SUFFIX.length()));
        }
      }
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot list " + dir + ": " + e.getMessage(), e);
    }
    ids.sort(null);
    return ids;
  }
}
