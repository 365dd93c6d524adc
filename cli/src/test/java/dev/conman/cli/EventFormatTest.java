package dev.conman.cli;

import static dev.conman.cli.ContainerFormatTest.ID;
import static dev.conman.cli.ContainerFormatTest.ts;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventFormatTest {
  private final EventFormat format = new EventFormat(ZoneOffset.ofHours(2));

  /** An event of container "web" (ID) at offset, with its sequence number. */
  static Event.Builder event(long offset, String type, long sequence) {
    return Event.newBuilder()
        .setOffset(offset)
        .setTime(ts("2026-11-28T10:00:00.123456Z"))
        .setContainerId(ID)
        .setContainerName("web")
        .setType(type)
        .setSequence(sequence);
  }

  private static final String PREFIX = "2026-11-28T12:00:00.123+02:00 ";

  /** Each type as the daemon sends it -> the line conmanctl prints, without time. */
  private static final Map<Event, String> LINES = Map.ofEntries(
      Map.entry(event(1, "create_requested", 1).build(),
          "1 0123456789ab web create_requested sequence=1"),
      Map.entry(event(2, "created", 2).setPid(4242).build(),
          "2 0123456789ab web created sequence=2 pid=4242"),
      Map.entry(event(3, "create_failed", 2).setReason("runc: \"no\" such\nfile").build(),
          "3 0123456789ab web create_failed sequence=2 reason=\"runc: \\\"no\\\" such\\nfile\""),
      Map.entry(event(4, "start_requested", 3).build(),
          "4 0123456789ab web start_requested sequence=3"),
      Map.entry(event(5, "started", 4).setPid(4242).build(),
          "5 0123456789ab web started sequence=4 pid=4242"),
      Map.entry(event(6, "start_failed", 4).setReason("exec: not found").build(),
          "6 0123456789ab web start_failed sequence=4 reason=\"exec: not found\""),
      Map.entry(event(7, "stop_requested", 5).setSignal(15).setTimeoutSeconds(10).build(),
          "7 0123456789ab web stop_requested sequence=5 signal=15 timeout_seconds=10"),
      Map.entry(event(8, "kill_requested", 6).setSignal(9).build(),
          "8 0123456789ab web kill_requested sequence=6 signal=9"),
      Map.entry(event(9, "exited", 7).setExitCode(0).setFinishedAt(ts("2026-11-28T10:00:00Z"))
          .build(), "9 0123456789ab web exited sequence=7 exit_code=0"),
      Map.entry(event(10, "exited", 7).build(),
          "10 0123456789ab web exited sequence=7 exit_code=unknown"),
      Map.entry(event(11, "delete_requested", 8).build(),
          "11 0123456789ab web delete_requested sequence=8"),
      Map.entry(event(12, "deleted", 9).build(), "12 0123456789ab web deleted sequence=9"),
      Map.entry(event(13, "reconciled", 8).setExitCode(137)
          .setFromState(ContainerState.CONTAINER_STATE_RUNNING)
          .setToState(ContainerState.CONTAINER_STATE_EXITED).setReason("gone after restart")
          .build(), "13 0123456789ab web reconciled sequence=8 exit_code=137 RUNNING->EXITED"
          + " reason=\"gone after restart\""),
      Map.entry(event(14, "reconciled", 8).setFromState(ContainerState.CONTAINER_STATE_RUNNING)
          .setToState(ContainerState.CONTAINER_STATE_EXITED).build(),
          "14 0123456789ab web reconciled sequence=8 exit_code=unknown RUNNING->EXITED"),
      Map.entry(event(15, "reconciled", 3).setPid(77)
          .setFromState(ContainerState.CONTAINER_STATE_STARTING)
          .setToState(ContainerState.CONTAINER_STATE_RUNNING).build(),
          "15 0123456789ab web reconciled sequence=3 pid=77 STARTING->RUNNING"),
      Map.entry(event(16, "orphan_found", 0).clearContainerId().clearContainerName()
          .setRuncId("stray").setReason("running").build(),
          "16 - - orphan_found runc_id=stray reason=\"running\""));

  @Test
  void oneLinePerEventType() {
    LINES.forEach((event, line) -> assertEquals(PREFIX + line, format.line(event)));
  }

  @Test
  void anEventWithNothingButItsOffset() {
    assertEquals("- 3 - - -", format.line(Event.newBuilder().setOffset(3).build()));
  }

  @Test
  void jsonOfAnExitedEvent() {
    assertEquals("{\"offset\":9,\"time\":\"2026-11-28T10:00:00.123456Z\",\"container_id\":\""
        + ID + "\",\"container_name\":\"web\",\"type\":\"exited\",\"sequence\":7,\"pid\":0,"
        + "\"exit_code\":0,\"signal\":0,\"reason\":\"\",\"from_state\":null,\"to_state\":null,"
        + "\"finished_at\":\"2026-11-28T10:00:00Z\",\"runc_id\":\"\",\"timeout_seconds\":0,\"exec_id\":\"\",\"command\":[],\"image_id\":\"\",\"image_ref\":\"\",\"volume\":\"\","
        + "\"network\":\"\",\"ip_address\":\"\",\"ports\":[]}",
        EventFormat.json(event(9, "exited", 7).setExitCode(0)
            .setFinishedAt(ts("2026-11-28T10:00:00Z")).build()));
  }

  @Test
  void jsonOfAReconciliation() {
    String json = EventFormat.json(event(13, "reconciled", 8)
        .setFromState(ContainerState.CONTAINER_STATE_RUNNING)
        .setToState(ContainerState.CONTAINER_STATE_EXITED).setReason("gone").build());
    assertEquals(true, json.contains("\"exit_code\":null,\"signal\":0,\"reason\":\"gone\","
        + "\"from_state\":\"RUNNING\",\"to_state\":\"EXITED\",\"finished_at\":null"), json);
  }

  @Test
  void jsonOfEveryTypeHasEveryField() {
    for (Event e : LINES.keySet()) {
      String json = EventFormat.json(e);
      for (String field : new String[] {"offset", "time", "container_id", "container_name",
          "type", "sequence", "pid", "exit_code", "signal", "reason", "from_state", "to_state",
          "finished_at", "runc_id", "timeout_seconds", "exec_id", "command", "image_id", "image_ref"}) {
        assertEquals(true, json.contains("\"" + field + "\":"), field + " in " + json);
      }
      assertEquals(true, json.startsWith("{\"offset\":" + e.getOffset() + ","), json);
    }
  }

  @Test
  void jsonOfAHostEventWithUnsetFields() {
    assertEquals("{\"offset\":16,\"time\":null,\"container_id\":\"\",\"container_name\":\"\","
        + "\"type\":\"orphan_found\",\"sequence\":0,\"pid\":0,\"exit_code\":null,\"signal\":0,"
        + "\"reason\":\"running\",\"from_state\":null,\"to_state\":null,\"finished_at\":null,"
        + "\"runc_id\":\"stray\",\"timeout_seconds\":0,\"exec_id\":\"\",\"command\":[],\"image_id\":\"\",\"image_ref\":\"\",\"volume\":\"\","
        + "\"network\":\"\",\"ip_address\":\"\",\"ports\":[]}",
        EventFormat.json(Event.newBuilder().setOffset(16).setType("orphan_found")
            .setRuncId("stray").setReason("running").build()));
  }

  @Test
  void offsetsBeyondIntAreNumbers() {
    assertEquals(true, EventFormat.json(Event.newBuilder().setOffset(1L << 40).build())
        .startsWith("{\"offset\":1099511627776,"));
  }
}
