package dev.conman.actors;

import dev.conman.journal.CborSerializable;

/**
 * What a create asks to mount into the container, as journaled with its spec: a host directory or
 * file ({@code BIND}, {@code source} its real path once validated), or a new empty in-memory file
 * system ({@code TMPFS}, no source) that lives as long as the container's run.
 */
public record MountSpec(Type type, String source, String destination, boolean readOnly) implements CborSerializable {

  public enum Type { BIND, TMPFS }

  /** docker's -v notation, for messages and the CLI: /src:/dst[:ro], or tmpfs:/dst. */
  @Override
  public String toString() {
    String from = type == Type.TMPFS ? "tmpfs" : source;
    return from + ":" + destination + (readOnly ? ":ro" : "");
  }
}
