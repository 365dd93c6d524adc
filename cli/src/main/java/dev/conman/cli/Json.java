package dev.conman.cli;

import java.util.List;
import java.util.Map;
import java.util.StringJoiner;
import java.util.TreeMap;

/**
 * Just enough JSON writing for conmanctl's output: one-line objects whose members are strings,
 * numbers, booleans, null, string lists, string maps and objects. Written by hand so that the CLI needs no
 * JSON library; non-ASCII characters are escaped so the output is valid whatever the locale.
 */
final class Json {
  private final StringJoiner members = new StringJoiner(",", "{", "}");

  static Json object() {
    return new Json();
  }

  /** A JSON array of already-encoded elements. */
  static String array(List<String> encodedElements) {
    return "[" + String.join(",", encodedElements) + "]";
  }

  /** Adds a string member; null becomes JSON null. */
  Json put(String key, String value) {
    return raw(key, value == null ? "null" : quote(value));
  }

  /** Adds a number member (int, or long such as journal offsets); null becomes JSON null. */
  Json put(String key, Number value) {
    return raw(key, value == null ? "null" : value.toString());
  }

  Json put(String key, boolean value) {
    return raw(key, Boolean.toString(value));
  }

  Json put(String key, List<String> values) {
    StringJoiner array = new StringJoiner(",", "[", "]");
    values.forEach(v -> array.add(quote(v)));
    return raw(key, array.toString());
  }

  /** Adds an object member; keys are sorted so that the output is stable. */
  Json put(String key, Map<String, String> values) {
    StringJoiner object = new StringJoiner(",", "{", "}");
    new TreeMap<>(values).forEach((k, v) -> object.add(quote(k) + ":" + quote(v)));
    return raw(key, object.toString());
  }

  /** Adds an object member. */
  Json put(String key, Json object) {
    return raw(key, object.toString());
  }

  /** Adds an array member of already-encoded elements (objects). */
  Json putArray(String key, List<String> encodedElements) {
    return raw(key, array(encodedElements));
  }

  private Json raw(String key, String encodedValue) {
    members.add(quote(key) + ":" + encodedValue);
    return this;
  }

  @Override
  public String toString() {
    return members.toString();
  }

  static String quote(String s) {
    StringBuilder out = new StringBuilder(s.length() + 2).append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20 || c > 0x7e) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    return out.append('"').toString();
  }
}
