package dev.conman.journal;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializer;
import org.apache.pekko.serialization.Serializers;

/**
 * Events and snapshots as the journal stores them: the bytes of the object's own serializer, with
 * that serializer's id and manifest beside them (the columns of pekko-persistence-jdbc's schema).
 */
final class StoredPayloads {

  record Serialized(byte[] bytes, int serializerId, String manifest) {}

  private final Serialization serialization;

  StoredPayloads(ActorSystem system) {
    this.serialization = SerializationExtension.get(system);
  }

  Serialized serialize(Object payload) {
    Serializer serializer = serialization.findSerializerFor(payload);
    return new Serialized(serializer.toBinary(payload), serializer.identifier(),
        Serializers.manifestFor(serializer, payload));
  }

  Object deserialize(byte[] bytes, int serializerId, String manifest) {
    return serialization.deserialize(bytes, serializerId, manifest).get();
  }
}
