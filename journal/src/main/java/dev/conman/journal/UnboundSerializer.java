package dev.conman.journal;

import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.serialization.JSerializer;

/**
 * Stands in for a serializer that Pekko's reference.conf lists but that nothing in conman is bound
 * to (see {@code conman-journal.conf}). Pekko builds every listed serializer when the actor system
 * starts, and each Jackson one builds its ObjectMapper then: with the JSON bindings, which no class
 * of conman uses, the serialization extension's start took 67 ms of the main thread's CPU in a
 * restart's profile, without them 43 ms. This one keeps the binding's name
 * and identifier, so a payload stored under it would fail with a message instead of an unknown id.
 */
public final class UnboundSerializer extends JSerializer {

  private final String binding;
  private final int identifier;

  public UnboundSerializer(ExtendedActorSystem system, String binding) {
    this.binding = binding;
    this.identifier = system.settings().config()
        .getInt("pekko.actor.serialization-identifiers.\"" + binding + "\"");
  }

  @Override
  public int identifier() {
    return identifier;
  }

  @Override
  public boolean includeManifest() {
    return false;
  }

  @Override
  public byte[] toBinary(Object o) {
    throw unbound(o.getClass().getName() + " is bound to it");
  }

  @Override
  public Object fromBinaryJava(byte[] bytes, Class<?> manifest) {
    throw unbound("a stored payload names it");
  }

  private IllegalStateException unbound(String why) {
    return new IllegalStateException("the serializer " + binding + " is not in use in conman, but "
        + why + "; journaled classes implement " + CborSerializable.class.getName()
        + " (jackson-cbor)");
  }
}
