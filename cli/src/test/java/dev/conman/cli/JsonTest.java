package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JsonTest {

  @Test
  void escapesWhatJsonRequiresAndNonAscii() {
    assertEquals("\"a\\\"b\\\\c\\nd\\te\\u0001f\\u00e9\"", Json.quote("a\"b\\c\nd\te\u0001f\u00e9"));
  }

  @Test
  void objectMembersInInsertionOrderMapKeysSorted() {
    String json = Json.object()
        .put("s", "x")
        .put("n", 7)
        .put("none", (Integer) null)
        .put("nostr", (String) null)
        .put("b", true)
        .put("l", List.of("a", "b"))
        .put("m", Map.of("z", "1", "a", "2"))
        .toString();
    assertEquals("{\"s\":\"x\",\"n\":7,\"none\":null,\"nostr\":null,\"b\":true,"
        + "\"l\":[\"a\",\"b\"],\"m\":{\"a\":\"2\",\"z\":\"1\"}}", json);
  }

  @Test
  void arrays() {
    assertEquals("[]", Json.array(List.of()));
    assertEquals("[{},{}]", Json.array(List.of("{}", "{}")));
  }
}
