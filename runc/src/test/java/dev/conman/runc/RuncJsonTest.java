package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Samples captured from runc 1.1.5 on this host. */
class RuncJsonTest {

  static final String STATE_RUNNING = """
      {
        "ociVersion": "1.0.2-dev",
        "id": "x",
        "pid": 3644,
        "status": "running",
        "bundle": "/tmp/cmx/b",
        "rootfs": "/tmp/cmx/b/rootfs",
        "created": "2026-11-28T19:44:43.608994791Z",
        "owner": ""
      }""";

  static final String LIST = "[{\"ociVersion\":\"1.0.2-dev\",\"id\":\"e1\",\"pid\":0,\"status\":\"stopped\","
      + "\"bundle\":\"/tmp/cmx/bb/e1\",\"rootfs\":\"/tmp/cmx/b/rootfs\","
      + "\"created\":\"2026-11-28T19:45:14.799118758Z\",\"owner\":\"root\"},"
      + "{\"ociVersion\":\"1.0.2-dev\",\"id\":\"s1\",\"pid\":4086,\"status\":\"created\","
      + "\"bundle\":\"/tmp/cmx/bb/s1\",\"rootfs\":\"/tmp/cmx/b/rootfs\","
      + "\"created\":\"2026-11-28T19:45:14.671461693Z\",\"owner\":\"root\"}]\n";

  @Test
  void parsesState() throws Exception {
    RuntimeState state = RuncJson.parseState(STATE_RUNNING);
    assertEquals(new RuntimeState("x", RuntimeState.Status.RUNNING, 3644,
        Instant.parse("2026-11-28T19:44:43.608994791Z")), state);
  }

  @Test
  void parsesList() throws Exception {
    List<RuntimeState> states = RuncJson.parseList(LIST);
    assertEquals(2, states.size());
    assertEquals(new RuntimeState("e1", RuntimeState.Status.STOPPED, 0,
        Instant.parse("2026-11-28T19:45:14.799118758Z")), states.get(0));
    assertEquals(RuntimeState.Status.CREATED, states.get(1).status());
    assertEquals(4086, states.get(1).pid());
  }

  @Test
  void anEmptyRootListsAsNull() throws Exception {
    assertEquals(List.of(), RuncJson.parseList("null\n"));
    assertEquals(List.of(), RuncJson.parseList(""));
  }

  @Test
  void goZeroTimeIsUnknown() throws Exception {
    RuntimeState state = RuncJson.parseState(
        "{\"id\":\"a\",\"pid\":0,\"status\":\"stopped\",\"created\":\"0001-01-01T00:00:00Z\"}");
    assertNull(state.created());
  }

  @Test
  void rejectsWhatIsNotAState() {
    RuntimeFailure notJson = assertThrows(RuntimeFailure.class, () -> RuncJson.parseState("oops"));
    assertTrue(notJson.getMessage().contains("oops"));
    assertThrows(RuntimeFailure.class, () -> RuncJson.parseState("{\"id\":\"a\"}"));
    assertThrows(RuntimeFailure.class, () -> RuncJson.parseState("{\"id\":\"a\",\"status\":\"weird\"}"));
    assertThrows(RuntimeFailure.class, () -> RuncJson.parseList("{}"));
  }

  @Test
  void findsTheLastErrorInRuncsLog() {
    String log = """
        {"level":"warning","msg":"some warning","time":"2026-11-28T19:45:04Z"}
        not json at all
        {"level":"error","msg":"first","time":"2026-11-28T19:45:04Z"}
        {"level":"error","msg":"runc create failed: unable to start container process: exec: \\"/bin/nonexistent\\": stat /bin/nonexistent: no such file or directory","time":"2026-11-28T19:45:04Z"}
        {"level":"info","msg":"later info","time":"2026-11-28T19:45:04Z"}
        """;
    assertEquals(Optional.of("runc create failed: unable to start container process: exec: "
        + "\"/bin/nonexistent\": stat /bin/nonexistent: no such file or directory"), RuncJson.lastError(log));
    assertEquals(Optional.empty(), RuncJson.lastError(""));
    assertEquals(Optional.empty(), RuncJson.lastError("{\"level\":\"warning\",\"msg\":\"w\"}"));
  }

  @Test
  void stderrWithoutLogLinesKeepsWhatRuncPrintedForPeople() {
    String stderr = """
        {"level":"error","msg":"container not running","time":"2026-11-28T19:45:04Z"}
        container not running
        {not a log line}
        """;
    assertEquals(new RuncJson.Stderr("container not running\n{not a log line}\n", Optional.of("container not running")),
        RuncJson.splitStderr(stderr));
  }

  @Test
  void failureMessageNamesStatusAndRuncsErrorOnce() {
    String once = RuncCli.failureMessage("runc kill x 15", 1, "container not running\n",
        Optional.of("container not running"));
    assertEquals("runc kill x 15 failed with exit status 1: container not running", once);
    String both = RuncCli.failureMessage("runc start x", 1, "something else", Optional.of("logged"));
    assertEquals("runc start x failed with exit status 1: logged (stderr: something else)", both);
    assertEquals("runc list failed with exit status 2: usage",
        RuncCli.failureMessage("runc list", 2, "usage\n", Optional.empty()));
    assertEquals("runc list failed with exit status 2",
        RuncCli.failureMessage("runc list", 2, "", Optional.empty()));
  }
}
