package dev.conman.grpc.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.actors.ContainerActor;
import dev.conman.actors.ContainerException;
import dev.conman.actors.Phase;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.Filter;
import dev.conman.journal.StoredEvent;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventFilterTest {

  private static final String ID = "ab".repeat(32);
  private static final ContainerIdentity WEB = new ContainerIdentity("web", Map.of("app", "shop"));
  private static final Instant T = Instant.parse("2026-01-01T00:00:00Z");

  private static Event event(Object journaled) {
    return EventConverter.toProto(new StoredEvent(7, "container|" + ID, 3, T, journaled), WEB).orElseThrow();
  }

  private static EventFilter filter(String... keyValues) {
    List<Filter> filters = new java.util.ArrayList<>();
    for (int i = 0; i < keyValues.length; i += 2) {
      filters.add(Filter.newBuilder().setKey(keyValues[i]).setValue(keyValues[i + 1]).build());
    }
    return EventFilter.parse(filters);
  }

  @Test
  void exitedEventsCarryTheirExitCodeAndName() {
    Event e = event(new ContainerActor.Exited(ID, 7, T));
    assertEquals("exited", e.getType());
    assertEquals(7, e.getExitCode());
    assertEquals("web", e.getContainerName());
    assertEquals(7, e.getOffset());
    assertEquals(3, e.getSequence());
    assertFalse(event(new ContainerActor.Exited(ID, null, T)).hasExitCode(), "unknown stays unset, never 0");
  }

  @Test
  void reconciledEventsSayFromWhatToWhatAndWhy() {
    Event e = event(new ContainerActor.Reconciled(ID, Phase.RUNNING, Phase.EXITED, "exit file says 7", null, 7, T, T));
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, e.getFromState());
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, e.getToState());
    assertEquals("exit file says 7", e.getReason());
  }

  @Test
  void keysAndWithinAKeyOr() {
    Event exited = event(new ContainerActor.Exited(ID, 0, T));
    Event started = event(new ContainerActor.Started(ID, 5, T));
    EventFilter f = filter("type", "exited", "type", "started", "container", "web");
    assertTrue(f.matches(exited, WEB));
    assertTrue(f.matches(started, WEB));
    assertFalse(filter("type", "exited", "container", "db").matches(exited, WEB));
    assertTrue(filter("container", ID.substring(0, 5)).matches(exited, WEB));
    assertTrue(filter("label", "app=shop").matches(exited, WEB));
    assertFalse(filter("label", "app=other").matches(exited, WEB));
  }

  @Test
  void badFiltersAreInvalidArguments() {
    for (String[] bad : List.of(new String[] {"colour", "red"}, new String[] {"type", "exit"},
        new String[] {"label", "novalue"}, new String[] {"container", ""})) {
      ContainerException e = assertThrows(ContainerException.class, () -> filter(bad));
      assertEquals(ContainerException.Code.INVALID_ARGUMENT, e.code());
      assertTrue(e.getMessage().contains(bad[0]) || e.getMessage().contains(bad[1]), e.getMessage());
    }
  }
}
