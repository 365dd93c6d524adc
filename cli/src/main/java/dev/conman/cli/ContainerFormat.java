package dev.conman.cli;

import com.google.protobuf.Timestamp;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Resources;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Renders containers for people (tables, key: value listings, local times) and for scripts (JSON
 * with the proto's snake_case field names, UTC RFC 3339 times, null for what is unset). Pure: it
 * returns strings; {@link Console} decides where they go.
 */
final class ContainerFormat {
  private static final String STATE_PREFIX = "CONTAINER_STATE_";
  private static final int SHORT_ID = 12;
  private static final String NONE = "-";
  private static final Pattern SHELL_SAFE = Pattern.compile("[A-Za-z0-9_./=:,@%+-]+");
  private static final DateTimeFormatter LIST_TIME =
      DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

  private final ZoneId zone;

  /** @param zone the zone human-readable times are shown in (the local zone, except in tests) */
  ContainerFormat(ZoneId zone) {
    this.zone = zone;
  }

  ZoneId zone() {
    return zone;
  }

  /** CONTAINER_STATE_RUNNING -> RUNNING. */
  static String state(ContainerState state) {
    String name = state.name();
    return name.startsWith(STATE_PREFIX) ? name.substring(STATE_PREFIX.length()) : name;
  }

  static String shortId(String id) {
    return id.length() > SHORT_ID ? id.substring(0, SHORT_ID) : id;
  }

  /** The command as a shell would need it typed: arguments with spaces or quotes are quoted. */
  static String command(List<String> command) {
    return command.stream().map(ContainerFormat::shellQuote).collect(Collectors.joining(" "));
  }

  private static String shellQuote(String arg) {
    return SHELL_SAFE.matcher(arg).matches() ? arg : "'" + arg.replace("'", "'\\''") + "'";
  }

  /** The exit code as shown to people: "-" before the container exited, "unknown" if lost. */
  static String exitCode(Container c) {
    if (c.hasExitCode()) {
      return Integer.toString(c.getExitCode());
    }
    return c.getState() == ContainerState.CONTAINER_STATE_EXITED ? "unknown" : NONE;
  }

  /** The exit code, followed by "(OOMKilled)" when the kernel killed the container for memory. */
  private static String exitCodeAndReason(Container c) {
    return c.getOomKilled() ? exitCode(c) + " (OOMKilled)" : exitCode(c);
  }

  /** The restart policy as shown to people: "no" when none was given. */
  static String restartPolicy(Container c) {
    return c.getRestartPolicy().isEmpty() ? "no" : c.getRestartPolicy();
  }

  /**
   * The limits that are set, one per entry, named like the options that set them and in human
   * units: memory=16MiB, memory-swap=unlimited, cpus=0.5, ...; empty when there are none.
   */
  static List<String> resources(Resources r) {
    List<String> set = new ArrayList<>();
    if (r.hasMemoryBytes()) {
      set.add("memory=" + Sizes.human(r.getMemoryBytes()));
    }
    if (r.hasMemorySwapBytes()) {
      set.add("memory-swap=" + (r.getMemorySwapBytes() == -1 ? "unlimited"
          : Sizes.human(r.getMemorySwapBytes())));
    }
    if (r.hasCpus()) {
      set.add("cpus=" + BigDecimal.valueOf(r.getCpus()).stripTrailingZeros().toPlainString());
    }
    if (r.hasCpuShares()) {
      set.add("cpu-shares=" + r.getCpuShares());
    }
    if (r.hasPidsLimit()) {
      set.add("pids-limit=" + r.getPidsLimit());
    }
    if (!r.getCpusetCpus().isEmpty()) {
      set.add("cpuset-cpus=" + r.getCpusetCpus());
    }
    return set;
  }

  /** Columns ID, NAME, STATE, PID, EXIT, CREATED, COMMAND; a header line even when empty. */
  String table(List<Container> containers) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"ID", "NAME", "STATE", "PID", "EXIT", "CREATED", "COMMAND"});
    for (Container c : containers) {
      rows.add(new String[] {
        shortId(c.getId()),
        c.getName(),
        state(c.getState()),
        c.getPid() == 0 ? NONE : Integer.toString(c.getPid()),
        exitCode(c),
        time(c.hasCreatedAt(), c.getCreatedAt(), LIST_TIME),
        command(c.getCommandList())
      });
    }
    return align(rows);
  }

  /** Rows of columns, padded to line up; the first row is the header. */
  static String align(List<String[]> rows) {
    int columns = rows.get(0).length;
    int[] width = new int[columns];
    for (String[] row : rows) {
      for (int i = 0; i < columns; i++) {
        width[i] = Math.max(width[i], row[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    for (String[] row : rows) {
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < columns; i++) {
        line.append(row[i]);
        if (i < columns - 1) {
          line.append(" ".repeat(width[i] - row[i].length() + 3));
        }
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    return out.toString();
  }

  /** A "Key: value" listing of every field; multi-valued fields get one line per value. */
  String details(Container c) {
    return details(c, null);
  }

  /**
   * The listing of a container as it was in the past ('status --at'), ending with "As of:
   * sequence N", the last of its events that was replayed; a null sequence means "now".
   */
  String details(Container c, Long asOfSequence) {
    Map<String, List<String>> fields = new LinkedHashMap<>();
    fields.put("ID", List.of(c.getId()));
    fields.put("Name", List.of(c.getName()));
    fields.put("State", List.of(state(c.getState())));
    fields.put("PID", List.of(c.getPid() == 0 ? NONE : Integer.toString(c.getPid())));
    fields.put("Exit code", List.of(exitCodeAndReason(c)));
    fields.put("OOMKilled", List.of(Boolean.toString(c.getOomKilled())));
    fields.put("Created", List.of(preciseTime(c.hasCreatedAt(), c.getCreatedAt())));
    fields.put("Started", List.of(preciseTime(c.hasStartedAt(), c.getStartedAt())));
    fields.put("Finished", List.of(preciseTime(c.hasFinishedAt(), c.getFinishedAt())));
    fields.put("Restart", List.of(restartPolicy(c)));
    fields.put("Restarts", List.of(Integer.toString(c.getRestartCount())));
    fields.put("Image", List.of(c.getImage()));
    fields.put("Image ID", List.of(c.getImageId()));
    fields.put("Command", List.of(command(c.getCommandList())));
    fields.put("Env", c.getEnvList());
    fields.put("Workdir", List.of(c.getWorkdir()));
    fields.put("Read-only", List.of(Boolean.toString(c.getReadOnly())));
    fields.put("User", List.of(c.getUser()));
    fields.put("Network", List.of(c.getNetwork()));
    fields.put("Hostname", List.of(c.getHostname()));
    fields.put("Address", List.of(c.getIpAddress().isEmpty() ? "" : c.getIpAddress() + "/" + c.getIpPrefixLength()));
    fields.put("Gateway", List.of(c.getGateway()));
    fields.put("Ports", c.getPortsList());
    fields.put("Mounts", c.getMountsList().stream().map(ContainerFormat::mount).toList());
    fields.put("Resources", resources(c.getResources()));
    fields.put("Labels", new TreeMap<>(c.getLabelsMap()).entrySet().stream()
        .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.toList()));
    fields.put("Message", List.of(c.getMessage()));
    fields.put("Log path", List.of(c.getLogPath()));
    if (asOfSequence != null) {
      fields.put("As of", List.of("sequence " + asOfSequence));
    }

    int keyWidth = fields.keySet().stream().mapToInt(String::length).max().orElse(0) + 2;
    StringBuilder out = new StringBuilder();
    fields.forEach((key, values) -> {
      List<String> shown = values.isEmpty() || values.equals(List.of("")) ? List.of(NONE) : values;
      for (int i = 0; i < shown.size(); i++) {
        String label = i == 0 ? key + ":" : "";
        out.append(label).append(" ".repeat(keyWidth - label.length())).append(shown.get(i))
            .append('\n');
      }
    });
    return out.toString();
  }

  private String time(boolean set, Timestamp t, DateTimeFormatter format) {
    return set ? format.format(Timestamps.instant(t).atZone(zone)) : NONE;
  }

  private String preciseTime(boolean set, Timestamp t) {
    return set ? Timestamps.local(t, zone) : NONE;
  }

  /** One container as a one-line JSON object; every field is present, unset ones are null. */
  static String json(Container c) {
    return jsonObject(c).toString();
  }

  /** The container as it was in the past ('status --at'): its JSON plus "as_of_sequence". */
  static String json(Container c, long asOfSequence) {
    return jsonObject(c).put("as_of_sequence", asOfSequence).toString();
  }

  private static Json jsonObject(Container c) {
    return Json.object()
        .put("id", c.getId())
        .put("name", c.getName())
        .put("state", state(c.getState()))
        .put("pid", c.getPid())
        .put("exit_code", c.hasExitCode() ? c.getExitCode() : null)
        .put("created_at", Timestamps.json(c.hasCreatedAt(), c.getCreatedAt()))
        .put("started_at", Timestamps.json(c.hasStartedAt(), c.getStartedAt()))
        .put("finished_at", Timestamps.json(c.hasFinishedAt(), c.getFinishedAt()))
        .put("image", c.getImage())
        .put("command", c.getCommandList())
        .put("env", c.getEnvList())
        .put("workdir", c.getWorkdir())
        .put("read_only", c.getReadOnly())
        .put("labels", c.getLabelsMap())
        .put("message", c.getMessage())
        .put("log_path", c.getLogPath())
        .put("image_id", c.getImageId())
        .put("restart_policy", c.getRestartPolicy())
        .put("restart_count", c.getRestartCount())
        .put("oom_killed", c.getOomKilled())
        .put("resources", jsonObject(c.getResources()))
        .put("user", c.getUser())
        .put("network", c.getNetwork())
        .put("hostname", c.getHostname())
        .put("ip_address", c.getIpAddress())
        .put("ip_prefix_length", c.getIpPrefixLength())
        .put("gateway", c.getGateway())
        .put("ports", c.getPortsList())
        .put("mounts", c.getMountsList().stream().map(ContainerFormat::mount).toList());
  }

  /** docker's -v notation: /srv/data:/data, /srv/conf:/etc/conf:ro, tmpfs:/scratch. */
  static String mount(dev.conman.api.v1.Mount m) {
    return (m.getType().equals("tmpfs") ? "tmpfs" : m.getSource()) + ":" + m.getDestination()
        + (m.getReadOnly() ? ":ro" : "");
  }

  /** Every field of the limits; unset ones are null (cpuset_cpus, a plain string, is ""). */
  private static Json jsonObject(Resources r) {
    return Json.object()
        .put("memory_bytes", r.hasMemoryBytes() ? r.getMemoryBytes() : null)
        .put("memory_swap_bytes", r.hasMemorySwapBytes() ? r.getMemorySwapBytes() : null)
        .put("cpus", r.hasCpus() ? r.getCpus() : null)
        .put("cpu_shares", r.hasCpuShares() ? r.getCpuShares() : null)
        .put("pids_limit", r.hasPidsLimit() ? r.getPidsLimit() : null)
        .put("cpuset_cpus", r.getCpusetCpus());
  }

  static String json(List<Container> containers) {
    return Json.array(containers.stream().map(ContainerFormat::json).collect(Collectors.toList()));
  }

  /** The result of a delete, which only knows the id. */
  static String deletedJson(String id) {
    return Json.object().put("id", id).toString();
  }
}
