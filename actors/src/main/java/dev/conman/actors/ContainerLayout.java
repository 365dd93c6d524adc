package dev.conman.actors;

import java.nio.file.Path;

/**
 * Where a container's persistent files live: {@code <root>/containers/<id>/} holds the bundle and
 * the log. Ids are validated hex strings, so a path built from one never leaves this directory.
 */
public record ContainerLayout(Path containersDir) {

  public Path dir(String id) {
    Ids.requireValid(id);
    return containersDir.resolve(id);
  }

  public Path bundle(String id) {
    return dir(id).resolve("bundle");
  }

  public Path log(String id) {
    return dir(id).resolve("ctr.log");
  }
}
