package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.cbor.databind.CBORMapper;
import com.typesafe.config.ConfigFactory;
import java.time.Instant;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * Events and snapshots gain fields at their end, nullable: a journal written before a field existed
 * must still replay. Each is written as the daemon writes it (Pekko's jackson-cbor), the new field
 * is taken out of the bytes, and the rest must read back with the field null (or its empty default).
 */
class EventCompatibilityTest {

  private static final ActorTestKit KIT = ActorTestKit.create(ConfigFactory.parseResources("conman-journal.conf")
      .withFallback(ConfigFactory.load()));
  private static final Instant T = Instant.parse("2026-11-29T18:00:00Z");

  @AfterAll
  static void stop() {
    KIT.shutdownTestKit();
  }

  @Test
  void anExecExitedFromBeforeItsReasonReadsWithoutOne() throws Exception {
    ContainerActor.ExecExited old = withoutField(new ContainerActor.ExecExited("c1", "e1", 3, T, "why"), "reason");
    assertEquals(new ContainerActor.ExecExited("c1", "e1", 3, T, null), old);
  }

  @Test
  void aDeleteRequestedFromBeforeItsReasonReadsWithoutOne() throws Exception {
    ContainerActor.DeleteRequested old = withoutField(new ContainerActor.DeleteRequested("c1", true, T, "why"), "reason");
    assertNull(old.reason());
    assertEquals(T, old.at());
  }

  @Test
  void aSnapshotFromBeforeAttachmentsWereKeptReadsWithNoneOpen() throws Exception {
    ContainerSpec spec = new ContainerSpec("web", "/rootfs", java.util.List.of("/bin/true"), java.util.List.of(), "/",
        false, java.util.Map.of());
    ContainerActor.Facts facts = ContainerActor.Facts.created("c1", spec, T).withAttachment("why", true);
    ContainerActor.State old = withoutField(new ContainerActor.State.Created(facts), "attachments");
    assertEquals(java.util.Set.of(), old.facts().attachments());
    assertEquals(T, old.facts().createdAt());
  }

  @SuppressWarnings("unchecked")
  private static <T> T withoutField(T event, String field) throws Exception {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(KIT.system()));
    Serializer serializer = serialization.findSerializerFor(event);
    String manifest = Serializers.manifestFor(serializer, event);
    CBORMapper cbor = new CBORMapper();
    ObjectNode tree = (ObjectNode) cbor.readTree(serializer.toBinary(event));
    ObjectNode holder = tree.findParents(field).stream().map(ObjectNode.class::cast).findFirst().orElseThrow();
    com.fasterxml.jackson.databind.JsonNode removed = holder.remove(field);
    assertEquals("why", removed.isArray() ? removed.get(0).asText() : removed.asText(),
        "the field is in what the daemon writes");
    return (T) serialization.deserialize(cbor.writeValueAsBytes(tree), serializer.identifier(), manifest).get();
  }
}
