package dev.conman.journal;

import java.time.Instant;

/**
 * One row of the journal, decoded.
 *
 * @param offset        the row's global position ({@code ordering}): strictly increasing, never reused
 * @param persistenceId whose event it is, e.g. {@code container|<id>}
 * @param sequenceNr    its position in that persistence id's own history, from 1
 * @param writtenAt     when the journal wrote it
 * @param event         the deserialized event
 */
public record StoredEvent(long offset, String persistenceId, long sequenceNr, Instant writtenAt, Object event) {}
