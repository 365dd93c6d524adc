package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.junit.jupiter.api.Test;

class ExecProcessSpecTest {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  @Test
  void theContainersProcessWithTheExecsCommandEnvAndCwd() throws Exception {
    JsonNode config = MAPPER.readTree("""
        {"process": {"terminal": true, "consoleSize": {"height": 1, "width": 2}, "user": {"uid": 5, "gid": 6},
          "args": ["/bin/sleep", "9"], "env": ["PATH=/bin", "A=1"], "cwd": "/srv", "noNewPrivileges": true}}""");
    JsonNode p = ExecProcessSpec.of(config, new ContainerRuntime.ExecRequest(List.of("ls", "-l"), List.of("A=2", "B"),
        ""));
    assertEquals("[\"ls\",\"-l\"]", p.path("args").toString());
    assertEquals("[\"PATH=/bin\",\"A=2\",\"B\"]", p.path("env").toString(), "the exec's A replaces the container's");
    assertEquals("/srv", p.path("cwd").asText(), "the container's working directory by default");
    assertFalse(p.path("terminal").asBoolean());
    assertFalse(p.has("consoleSize"));
    assertEquals(5, p.path("user").path("uid").asInt());
    assertEquals(true, p.path("noNewPrivileges").asBoolean());
    assertEquals("/tmp", ExecProcessSpec.of(config, new ContainerRuntime.ExecRequest(List.of("ls"), List.of(), "/tmp"))
        .path("cwd").asText());
    assertEquals("/", ExecProcessSpec.of(MAPPER.readTree("{}"), new ContainerRuntime.ExecRequest(List.of("ls"),
        List.of(), "")).path("cwd").asText());
  }
}
