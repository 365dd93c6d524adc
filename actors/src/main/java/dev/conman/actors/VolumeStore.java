package dev.conman.actors;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Named volumes: one directory each under {@code <root>/volumes}, made at the first create that
 * names it (as docker makes them) or by CreateVolume, removed only by RemoveVolume. The directories
 * are the source of truth for which volumes exist. Blocking: file work.
 */
public final class VolumeStore {

  private final ContainerLayout layout;

  public VolumeStore(ContainerLayout layout) {
    this.layout = layout;
  }

  /** The volume's directory, made if it does not exist yet. */
  public Path ensure(String name) throws IOException {
    Path dir = layout.volume(name);
    Files.createDirectories(dir);
    if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
      throw new IOException(dir + " is not a directory");
    }
    return dir;
  }

  public boolean exists(String name) {
    return Files.isDirectory(layout.volume(name), LinkOption.NOFOLLOW_LINKS);
  }

  public Path path(String name) {
    return layout.volume(name);
  }

  /** The volumes' names, sorted. */
  public List<String> names() throws IOException {
    Path dir = layout.volumesDir();
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> entries = Files.list(dir)) {
      return entries.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).map(p -> p.getFileName().toString())
          .sorted().toList();
    }
  }

  /** Removes the volume's directory with everything in it; no link inside is followed. */
  public void remove(String name) throws IOException {
    dev.conman.images.Fs.deleteRecursively(layout.volume(name));
  }
}
