package dev.conman.cli;

import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import java.time.ZoneId;
import java.util.StringJoiner;

/**
 * Renders journal events ('events', 'container history'), one line each. For people: local time
 * with milliseconds, offset, short container id, name, type, then the details the event carries
 * as key=value ("-" stands for the id and name of host events, which have none). For scripts: a
 * JSON object with the proto's field names where every field is present; unset exit code, times
 * and states are null. Pure: {@link Console} decides where lines go.
 */
final class EventFormat {
  private static final String NONE = "-";

  private final ZoneId zone;

  /** @param zone the zone human-readable times are shown in (the local zone, except in tests) */
  EventFormat(ZoneId zone) {
    this.zone = zone;
  }

  /** TIME OFFSET ID NAME TYPE [DETAILS...], separated by single spaces. */
  String line(Event e) {
    StringJoiner line = new StringJoiner(" ");
    line.add(e.hasTime() ? Timestamps.local(e.getTime(), zone) : NONE)
        .add(Long.toString(e.getOffset()))
        .add(orNone(ContainerFormat.shortId(e.getContainerId())))
        .add(orNone(e.getContainerName()))
        .add(orNone(e.getType()));
    String details = details(e);
    return details.isEmpty() ? line.toString() : line + " " + details;
  }

  /** What the event carries besides who and when; the free-text reason comes last. */
  static String details(Event e) {
    StringJoiner details = new StringJoiner(" ");
    if (e.getSequence() != 0) {
      details.add("sequence=" + e.getSequence());
    }
    if (e.getPid() != 0) {
      details.add("pid=" + e.getPid());
    }
    if (e.hasExitCode()) {
      details.add("exit_code=" + e.getExitCode());
    } else if (reportsAnExit(e)) {
      details.add("exit_code=unknown");
    }
    if (e.getSignal() != 0) {
      details.add("signal=" + e.getSignal());
    }
    if (e.getTimeoutSeconds() != 0) {
      details.add("timeout_seconds=" + e.getTimeoutSeconds());
    }
    if (isSet(e.getFromState()) || isSet(e.getToState())) {
      details.add(ContainerFormat.state(e.getFromState()) + "->"
          + ContainerFormat.state(e.getToState()));
    }
    if (!e.getRuncId().isEmpty()) {
      details.add("runc_id=" + e.getRuncId());
    }
    if (!e.getVolume().isEmpty()) {
      details.add("volume=" + e.getVolume());
    }
    if (!e.getImageRef().isEmpty()) {
      details.add("image=" + e.getImageRef());
    }
    if (!e.getImageId().isEmpty()) {
      details.add("image_id=" + e.getImageId());
    }
    if (!e.getNetwork().isEmpty()) {
      details.add("network=" + e.getNetwork());
    }
    if (!e.getIpAddress().isEmpty()) {
      details.add("ip=" + e.getIpAddress());
    }
    if (e.getPortsCount() > 0) {
      details.add("ports=" + String.join(",", e.getPortsList()));
    }
    if (e.getCommandCount() > 0) {
      details.add("command=\"" + String.join(" ", e.getCommandList()).replace("\"", "\\\"") + "\"");
    }
    if (!e.getReason().isEmpty()) {
      details.add("reason=\"" + e.getReason().replace("\\", "\\\\").replace("\"", "\\\"")
          .replace("\n", "\\n") + "\"");
    }
    return details.toString();
  }

  /** An exit whose code was lost (conmon died, say) is shown as such, not left out. */
  private static boolean reportsAnExit(Event e) {
    return e.getType().equals("exited")
        || (e.getType().equals("reconciled")
            && e.getToState() == ContainerState.CONTAINER_STATE_EXITED);
  }

  private static boolean isSet(ContainerState state) {
    return state != ContainerState.CONTAINER_STATE_UNSPECIFIED;
  }

  private static String orNone(String s) {
    return s.isEmpty() ? NONE : s;
  }

  /** One event as a one-line JSON object, fields in proto order. */
  static String json(Event e) {
    return Json.object()
        .put("offset", e.getOffset())
        .put("time", Timestamps.json(e.hasTime(), e.getTime()))
        .put("container_id", e.getContainerId())
        .put("container_name", e.getContainerName())
        .put("type", e.getType())
        .put("sequence", e.getSequence())
        .put("pid", e.getPid())
        .put("exit_code", e.hasExitCode() ? e.getExitCode() : null)
        .put("signal", e.getSignal())
        .put("reason", e.getReason())
        .put("from_state", jsonState(e.getFromState()))
        .put("to_state", jsonState(e.getToState()))
        .put("finished_at", Timestamps.json(e.hasFinishedAt(), e.getFinishedAt()))
        .put("runc_id", e.getRuncId())
        .put("timeout_seconds", e.getTimeoutSeconds())
        .put("exec_id", e.getExecId())
        .put("command", e.getCommandList())
        .put("image_id", e.getImageId())
        .put("image_ref", e.getImageRef())
        .put("volume", e.getVolume())
        .put("network", e.getNetwork())
        .put("ip_address", e.getIpAddress())
        .put("ports", e.getPortsList())
        .toString();
  }

  private static String jsonState(ContainerState state) {
    return isSet(state) ? ContainerFormat.state(state) : null;
  }
}
