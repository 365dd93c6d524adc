package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads conmon's exit files: the exit code as decimal text, 128+N for a death by signal N.
 * An empty file counts as absent: a writer that does not rename into place creates the file
 * before it writes the code, and the watcher sees the later write as a modification.
 */
final class ExitFiles {

  private static final Logger log = LoggerFactory.getLogger(ExitFiles.class);

  private ExitFiles() {}

  static Optional<ExitRecord> read(Path file) {
    // java.io.File says "missing" with 0 rather than an exception: a running container's exit file
    // is missing at every start and stop, and an exception with its stack trace costs more than the read
    if (file.toFile().lastModified() == 0) {
      return Optional.empty();
    }
    try {
      Instant modified = Files.getLastModifiedTime(file).toInstant();
      return parse(Files.readString(file), modified, file);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      log.warn("cannot read exit file {}: {}", file, e.toString());
      return Optional.empty();
    }
  }

  static Optional<ExitRecord> parse(String content, Instant finishedAt, Path file) {
    String text = content.strip();
    if (text.isEmpty()) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ExitRecord(Integer.parseInt(text), finishedAt));
    } catch (NumberFormatException e) {
      log.warn("exit file {} does not hold an exit code: {}", file, RuncJson.abbreviate(text));
      return Optional.empty();
    }
  }
}
