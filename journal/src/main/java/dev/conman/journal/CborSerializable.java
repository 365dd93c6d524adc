package dev.conman.journal;

/**
 * Marker for everything that is journaled or crosses an actor boundary: bound to jackson-cbor in
 * {@code conman-journal.conf}. Journaled classes are Java records; their meaning never changes
 * once written (add fields, never repurpose them), so that old journals still replay.
 */
public interface CborSerializable {}
