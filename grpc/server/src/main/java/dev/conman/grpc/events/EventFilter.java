package dev.conman.grpc.events;

import dev.conman.actors.ContainerException;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.Filter;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A subscriber's filters: every key must match; several values of one key match any of them.
 * Host events (no container) never match a container or label filter.
 */
final class EventFilter {

  private final List<String> containers = new ArrayList<>();
  private final List<String> types = new ArrayList<>();
  private final List<Map.Entry<String, String>> labels = new ArrayList<>();

  static EventFilter parse(List<Filter> filters) {
    EventFilter f = new EventFilter();
    for (Filter filter : filters) {
      String value = filter.getValue();
      switch (filter.getKey()) {
        case "container" -> {
          if (value.isEmpty()) {
            throw ContainerException.invalid("filter container= needs a container id, id prefix or name");
          }
          f.containers.add(value);
        }
        case "type" -> {
          if (!EventConverter.TYPES.contains(value)) {
            throw ContainerException.invalid("unknown event type '" + value + "' in filter type=; known types: "
                + String.join(", ", EventConverter.TYPES));
          }
          f.types.add(value);
        }
        case "label" -> {
          int eq = value.indexOf('=');
          if (eq <= 0) {
            throw ContainerException.invalid("filter label= needs KEY=VALUE, not '" + value + "'");
          }
          f.labels.add(Map.entry(value.substring(0, eq), value.substring(eq + 1)));
        }
        default -> throw ContainerException.invalid("unknown filter key '" + filter.getKey()
            + "'; use container=ID|NAME, type=TYPE or label=KEY=VALUE");
      }
    }
    return f;
  }

  boolean matches(Event e, ContainerIdentity identity) {
    if (!types.isEmpty() && !types.contains(e.getType())) {
      return false;
    }
    if (!containers.isEmpty() && containers.stream().noneMatch(c -> !e.getContainerId().isEmpty()
        && (e.getContainerId().startsWith(c) || c.equals(e.getContainerName())))) {
      return false;
    }
    return labels.stream().allMatch(l -> l.getValue().equals(identity.labels().get(l.getKey())));
  }
}
