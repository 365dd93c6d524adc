package dev.conman.grpc.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.actors.ContainerActor;
import dev.conman.api.v1.Event;
import dev.conman.journal.StoredEvent;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventConverterTest {

  private static final String ID = "cd".repeat(32);
  private static final ContainerIdentity SH = new ContainerIdentity("sh", Map.of());
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static Event convert(long offset, Object event) {
    return EventConverter.toProto(new StoredEvent(offset, "container|" + ID, offset, T, event), SH).orElseThrow();
  }

  @Test
  void attachedAndDetachedArePublicEventsPairedByTheirAttachId() {
    Event attached = convert(1, new ContainerActor.Attached(ID, "a1", true, T));
    assertEquals("attached", attached.getType());
    assertEquals("a1", attached.getAttachId());
    assertTrue(attached.getStdin());
    assertEquals("sh", attached.getContainerName());
    Event detached = convert(2, new ContainerActor.Detached(ID, "a1", "detach keys", T));
    assertEquals("detached", detached.getType());
    assertEquals("a1", detached.getAttachId());
    assertEquals("detach keys", detached.getReason());
    assertTrue(EventConverter.TYPES.contains("attached") && EventConverter.TYPES.contains("detached"),
        "filters accept the new types");
  }

  @Test
  void anExecExitedCarriesItsCodeOrTheReasonWhyItIsUnknown() {
    Event exited = convert(1, new ContainerActor.ExecExited(ID, "e1", 3, T, null));
    assertEquals("exec_exited", exited.getType());
    assertEquals("e1", exited.getExecId());
    assertEquals(3, exited.getExitCode());
    assertEquals("", exited.getReason());
    Event lost = convert(2, new ContainerActor.ExecExited(ID, "e2", null, T, "the daemon that ran it stopped"));
    assertFalse(lost.hasExitCode());
    assertEquals("the daemon that ran it stopped", lost.getReason());
  }

  @Test
  void volumeAndRestartPolicyEventsAreFilterableTypes() {
    Event created = EventConverter.toProto(new StoredEvent(1, "images", 1, T,
        new dev.conman.actors.ImageJournal.VolumeCreated("data", T)), SH).orElseThrow();
    assertEquals("volume_created", created.getType());
    assertEquals("data", created.getVolume());
    Event removed = EventConverter.toProto(new StoredEvent(2, "images", 2, T,
        new dev.conman.actors.ImageJournal.VolumeRemoved("data", T)), SH).orElseThrow();
    assertEquals("volume_removed", removed.getType());
    Event policy = convert(3, new ContainerActor.RestartPolicyChanged(ID, dev.conman.actors.RestartPolicy.parse(
        "always"), T));
    assertEquals("restart_policy_changed", policy.getType());
    assertEquals("always", policy.getReason());
    for (Event e : java.util.List.of(created, removed, policy)) {
      assertTrue(EventConverter.TYPES.contains(e.getType()), e.getType() + ": filters accept it");
    }
  }

  @Test
  void pausedAndResumedSayWhoResumedIt() {
    assertEquals("paused", convert(1, new ContainerActor.Paused(ID, T)).getType());
    Event asked = convert(2, new ContainerActor.Resumed(ID, T, null));
    assertEquals("resumed", asked.getType());
    assertEquals("", asked.getReason());
    assertEquals(ContainerActor.RESUMED_TO_END,
        convert(3, new ContainerActor.Resumed(ID, T, ContainerActor.RESUMED_TO_END)).getReason());
    assertTrue(EventConverter.TYPES.containsAll(java.util.List.of("paused", "resumed")), "filters accept them");
  }

  /** A new event of a container or of the host is public, with a type that filters accept, unless this test is changed. */
  @Test
  void everyContainerAndHostEventHasAPublicTypeAndTypesAreDistinct() {
    for (Class<?> sealed : java.util.List.of(ContainerActor.Event.class, dev.conman.actors.ImageJournal.Event.class)) {
      for (Class<?> event : sealed.getPermittedSubclasses()) {
        assertTrue(EventConverter.TYPE_OF.containsKey(event), event.getSimpleName() + " has no public type");
      }
    }
    assertEquals(EventConverter.TYPES.size(), new java.util.HashSet<>(EventConverter.TYPES).size(), "distinct");
  }
}
