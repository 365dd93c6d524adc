package dev.conman.runc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads what runc prints: {@code state} and {@code list --format json}, and its JSON log. */
final class RuncJson {

  private static final ObjectMapper MAPPER = new ObjectMapper();

  private RuncJson() {}

  /** One object of {@code runc state}. */
  static RuntimeState parseState(String json) throws RuntimeFailure {
    return toState(read(json, "runc state"));
  }

  /** {@code runc list --format json}: an array, or {@code null} when the root holds nothing. */
  static List<RuntimeState> parseList(String json) throws RuntimeFailure {
    List<RuntimeState> states = new ArrayList<>();
    for (JsonNode node : array(json, "runc list")) {
      states.add(toState(node));
    }
    return List.copyOf(states);
  }

  /** {@code runc ps --format json}: an array of pids ({@code null} when there are none). */
  static List<Long> parsePids(String json) throws RuntimeFailure {
    List<Long> pids = new ArrayList<>();
    for (JsonNode pid : array(json, "runc ps")) {
      if (!pid.canConvertToLong()) {
        throw unexpected("runc ps", json);
      }
      pids.add(pid.asLong());
    }
    return List.copyOf(pids);
  }

  /** runc prints an empty list as {@code null} (Go's nil slice), or nothing at all. */
  private static Iterable<JsonNode> array(String json, String what) throws RuntimeFailure {
    if (json.isBlank()) {
      return List.of();
    }
    JsonNode root = read(json, what);
    if (root.isNull()) {
      return List.of();
    }
    if (!root.isArray()) {
      throw unexpected(what, json);
    }
    return root;
  }

  /**
   * One line of {@code runc events --stats}: {@code {"type":"stats","id":..,"data":{"cpu":
   * {"usage":{"total":NS}},"memory":{"usage":{"usage":B,"limit":B}},"pids":{"current":N}}}}.
   * Missing counters read as 0 (a missing limit as unlimited): runc omits what a cgroup
   * controller it could not read would say.
   */
  static ContainerStats parseStats(String json, Instant at) throws RuntimeFailure {
    String line = json.strip();
    int newline = line.indexOf('\n');
    JsonNode root = read(newline < 0 ? line : line.substring(0, newline), "runc events --stats");
    if (!root.isObject() || !"stats".equals(root.path("type").asText())) {
      throw unexpected("runc events --stats", json);
    }
    JsonNode data = root.path("data");
    JsonNode memory = data.path("memory").path("usage");
    return new ContainerStats(
        counter(data.path("cpu").path("usage").path("total")),
        counter(memory.path("usage")),
        limit(memory.path("limit")),
        counter(data.path("pids").path("current")),
        at);
  }

  private static long counter(JsonNode node) {
    if (!node.isNumber()) {
      return 0;
    }
    return node.isBigInteger() ? Long.MAX_VALUE : Math.max(0, node.asLong());
  }

  /** Unlimited reads as a huge number: 2^63-4096 on v1, 2^64-1 (a BigInteger here) on v2. */
  private static long limit(JsonNode node) {
    if (!node.isNumber() || node.isBigInteger() || node.asLong() >= 1L << 62 || node.asLong() <= 0) {
      return ContainerStats.UNLIMITED;
    }
    return node.asLong();
  }

  /**
   * The last error of a runc JSON log ({@code {"level":"error","msg":...}} per line): the one
   * that made the command fail, while earlier lines are warnings or errors it recovered from.
   */
  static Optional<String> lastError(String log) {
    return splitStderr(log).lastError();
  }

  /**
   * runc's stderr when it has no {@code --log} file: its JSON log lines and what it printed for
   * people (its final error, a usage), apart, each line parsed once.
   *
   * @param plain the lines that are not log lines
   * @param lastError the last error the log lines name ({@link #lastError})
   */
  record Stderr(String plain, Optional<String> lastError) {}

  static Stderr splitStderr(String stderr) {
    StringBuilder plain = new StringBuilder();
    String last = null;
    for (String line : stderr.split("\n")) {
      Optional<JsonNode> entry = logEntry(line);
      if (entry.isEmpty()) {
        plain.append(line).append('\n');
        continue;
      }
      String level = entry.get().path("level").asText();
      if (level.equals("error") || level.equals("fatal") || level.equals("panic")) {
        last = entry.get().path("msg").asText();
      }
    }
    return new Stderr(plain.toString(), Optional.ofNullable(last));
  }

  /** A line of runc's JSON log: an object with a level (a line that is not JSON carries nothing). */
  private static Optional<JsonNode> logEntry(String line) {
    String l = line.strip();
    if (!l.startsWith("{") || !l.endsWith("}")) {
      return Optional.empty();
    }
    try {
      JsonNode node = MAPPER.readTree(l);
      return node.has("level") ? Optional.of(node) : Optional.empty();
    } catch (JsonProcessingException e) {
      return Optional.empty();
    }
  }

  private static RuntimeState toState(JsonNode node) throws RuntimeFailure {
    String id = node.path("id").asText(null);
    String status = node.path("status").asText(null);
    if (id == null || status == null) {
      throw unexpected("runc state", node.toString());
    }
    String created = node.path("created").asText(null);
    try {
      return new RuntimeState(id, RuntimeState.Status.parse(status), node.path("pid").asInt(0),
          created == null ? null : parseTime(created));
    } catch (IllegalArgumentException | java.time.format.DateTimeParseException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          "unexpected container state from runc: " + node, e);
    }
  }

  /** runc writes RFC 3339 with nanoseconds; Go's zero time means "unknown". */
  private static Instant parseTime(String text) {
    Instant instant = OffsetDateTime.parse(text).toInstant();
    return instant.equals(Instant.parse("0001-01-01T00:00:00Z")) ? null : instant;
  }

  private static JsonNode read(String json, String what) throws RuntimeFailure {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED,
          what + " printed something that is not JSON: " + abbreviate(json), e);
    }
  }

  private static RuntimeFailure unexpected(String what, String json) {
    return new RuntimeFailure(RuntimeFailure.Kind.FAILED,
        "unexpected output of " + what + ": " + abbreviate(json));
  }

  static String abbreviate(String text) {
    String trimmed = text.strip();
    return trimmed.length() <= 500 ? trimmed : trimmed.substring(0, 500) + "...";
  }
}
