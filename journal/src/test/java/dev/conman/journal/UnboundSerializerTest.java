package dev.conman.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's settings keep Pekko's JSON bindings' names and ids, without their mappers. */
class UnboundSerializerTest {

  @TempDir
  Path dir;

  private ActorTestKit kit;

  @BeforeEach
  void start() {
    kit = ActorTestKit.create(JournalSettings.withDatabase(ConfigFactory.load(), dir.resolve("journal.db")));
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void theJsonBindingsAreUnboundAndTheJournalStillUsesCbor() {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
    assertInstanceOf(UnboundSerializer.class, serialization.serializerByIdentity().apply(31));
    assertInstanceOf(UnboundSerializer.class, serialization.serializerByIdentity().apply(32));
    record Journaled(String text) implements CborSerializable {}
    assertEquals(33, serialization.findSerializerFor(new Journaled("x")).identifier());
  }

  @Test
  void aPayloadStoredUnderAJsonBindingFailsWithAMessage() {
    Serialization serialization = SerializationExtension.get(Adapter.toClassic(kit.system()));
    Throwable failure = serialization.deserialize(new byte[] {'{', '}'}, 31, "java.lang.String").failed().get();
    assertInstanceOf(IllegalStateException.class, failure);
    assertTrue(failure.getMessage().contains("jackson-json is not in use in conman"), failure.getMessage());
    assertThrows(IllegalStateException.class,
        () -> serialization.serializerByIdentity().apply(32).toBinary("text"));
  }
}
