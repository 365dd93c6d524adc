package dev.conman.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.Optional;

/**
 * What conmon ({@code --api-version 1}) writes to the sync pipe after {@code runc create}:
 * {@code {"data": PID}} on success, {@code {"data": -1, "message": "runc's stderr"}} on failure.
 */
record SyncMessage(int data, Optional<String> message) {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  static SyncMessage parse(String line) throws RuntimeFailure {
    try {
      JsonNode node = MAPPER.readTree(line);
      if (node == null || !node.path("data").canConvertToInt()) {
        throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
            "conmon reported something unexpected on its sync pipe: " + RuncJson.abbreviate(line));
      }
      String message = node.path("message").asText("").strip();
      return new SyncMessage(node.path("data").asInt(),
          message.isEmpty() ? Optional.empty() : Optional.of(message));
    } catch (JsonProcessingException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "conmon reported something that is not JSON on its sync pipe: " + RuncJson.abbreviate(line), e);
    }
  }

  /** conmon reports the container's pid only when create succeeded. */
  boolean succeeded() {
    return data > 0;
  }
}
