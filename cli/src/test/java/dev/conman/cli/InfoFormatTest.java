package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.conman.api.v1.GetInfoResponse;
import java.time.ZoneId;
import org.junit.jupiter.api.Test;

class InfoFormatTest {

  private static final GetInfoResponse INFO = GetInfoResponse.newBuilder().setVersion("conmand 0.1.0")
      .setApiVersion("conman.v1").setPid(42).setStartedAt(Timestamp.newBuilder().setSeconds(1_700_000_000))
      .setRuntime("/usr/sbin/runc").setRuntimeVersion("runc version 1.1.5").setConmon("/usr/bin/conmon")
      .setRoot("/var/lib/conman").setState("/run/conman").setSocket("/run/conman/conman.sock")
      .setDefaultNetwork("bridge").setContainers(3).putContainersByState("CONTAINER_STATE_RUNNING", 2)
      .putContainersByState("CONTAINER_STATE_EXITED", 1).setImages(1).setJournalOffset(120).setJournalBytes(2048)
      .build();

  @Test
  void aTableOfKeysAndValuesForPeople() {
    String table = InfoCommand.table(INFO, "conmanctl 0.1.0", ZoneId.of("UTC"));
    assertTrue(table.contains("Daemon:            conmand 0.1.0 (pid 42, API conman.v1)\n"), table);
    assertTrue(table.contains("Started:           2023-11-14T22:13:20.000Z\n"), table);
    assertTrue(table.contains("Runtime:           /usr/sbin/runc (runc version 1.1.5)\n"), table);
    assertTrue(table.contains("Conmon:            /usr/bin/conmon (version unknown)\n"), table);
    assertTrue(table.contains("Containers:        3 (EXITED 1, RUNNING 2)\n"), table);
    assertTrue(table.contains("Journal:           offset 120, " + Sizes.human(2048) + "\n"), table);
  }

  @Test
  void oneJsonObjectForScripts() {
    assertEquals("{\"version\":\"conmand 0.1.0\",\"api_version\":\"conman.v1\",\"pid\":42,"
        + "\"started_at\":\"2023-11-14T22:13:20Z\",\"runtime\":\"/usr/sbin/runc\","
        + "\"runtime_version\":\"runc version 1.1.5\",\"conmon\":\"/usr/bin/conmon\",\"conmon_version\":\"\","
        + "\"root\":\"/var/lib/conman\",\"state\":\"/run/conman\",\"socket\":\"/run/conman/conman.sock\","
        + "\"default_network\":\"bridge\",\"containers\":3,\"containers_by_state\":{\"EXITED\":1,\"RUNNING\":2},"
        + "\"images\":1,\"journal_offset\":120,\"journal_bytes\":2048,\"client\":\"conmanctl 0.1.0\"}",
        InfoCommand.json(INFO, "conmanctl 0.1.0"));
  }
}
