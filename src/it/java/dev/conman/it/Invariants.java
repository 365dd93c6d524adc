package dev.conman.it;

import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.ListContainersRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import io.grpc.ManagedChannel;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The host-side invariants every daemon must keep once nothing is in flight, checked against what
 * runc, conmon and the exit files say rather than against the daemon's own word:
 *
 * <ul>
 *   <li>(b) every listed container agrees with runc: RUNNING iff runc says running with the same
 *       pid, CREATED iff runc says created (same pid), EXITED implies runc does not run it, and
 *       when conmon's exit file exists the listed exit code is the file's;
 *   <li>(c) runc's root holds no container, and no live conmon serves a container, that the daemon
 *       does not list;
 *   <li>(d) no container is left in an in-flight state (CREATING, STARTING, STOPPING, DELETING);
 *   <li>(e) names (and ids) are unique among listed containers;
 *   <li>(h) a container holds a network address (and its namespace and CNI attachment exist) iff
 *       it is CREATED or RUNNING on the bridge network: no attachment outlives its container's
 *       run, none belongs to a container the daemon does not list.
 * </ul>
 *
 * Exits race with any snapshot (a container may end between the daemon's answer and runc's), so
 * {@link #settleAndCheck} looks again until the violations are gone or a grace period has passed:
 * only a disagreement that lasts is reported.
 */
final class Invariants {

  /** States that only exist while an operation is in flight. */
  static final Set<ContainerState> IN_FLIGHT = Set.of(ContainerState.CONTAINER_STATE_CREATING,
      ContainerState.CONTAINER_STATE_STARTING, ContainerState.CONTAINER_STATE_STOPPING,
      ContainerState.CONTAINER_STATE_DELETING);

  private Invariants() {}

  /** One container as {@code runc list} shows it. */
  record RuncContainer(String id, String status, long pid) {}

  /** What the check saw last: the listing and the host, and what was wrong. */
  record Result(List<Container> listed, Map<String, RuncContainer> runc, Map<String, Long> conmons,
      List<String> violations, int checksMade) {
    boolean ok() {
      return violations.isEmpty();
    }
  }

  /**
   * Checks (b), (c), (d) and (e) until they hold or {@code grace} has passed; the result carries the
   * last listing and the violations of the last look (empty when everything held).
   */
  static Result settleAndCheck(ConmanDaemon d, Duration grace) {
    long deadline = System.nanoTime() + grace.toNanos();
    while (true) {
      Result r = checkOnce(d);
      if (r.ok() || System.nanoTime() > deadline) {
        return r;
      }
      ConmanDaemon.sleep(200);
    }
  }

  static Result checkOnce(ConmanDaemon d) {
    List<String> v = new ArrayList<>();
    List<Container> listed;
    try {
      listed = list(d.channel());
    } catch (RuntimeException e) {
      return new Result(List.of(), Map.of(), Map.of(), List.of("ListContainers failed: " + e), 0);
    }
    Map<String, RuncContainer> runc = runcList(d);
    Map<String, Long> conmons = conmons(d);
    int checks = 0;
    Map<String, Container> byId = new HashMap<>();
    Map<String, String> byName = new HashMap<>();
    for (Container c : listed) {
      checks++;
      // (e)
      if (byId.put(c.getId(), c) != null) {
        v.add("(e) id " + c.getId() + " is listed twice");
      }
      String other = byName.put(c.getName(), c.getId());
      if (other != null) {
        v.add("(e) name " + c.getName() + " is listed for two containers: " + other + " and " + c.getId());
      }
      // (d)
      if (IN_FLIGHT.contains(c.getState())) {
        v.add("(d) " + describe(c) + " is still " + c.getState() + " with nothing in flight");
      }
      // (b)
      RuncContainer r = runc.get(c.getId());
      String inRunc = r == null ? "absent from runc" : "runc says " + r.status() + " pid " + r.pid();
      switch (c.getState()) {
        case CONTAINER_STATE_RUNNING -> {
          if (r == null || !r.status().equals("running") || r.pid() != c.getPid()) {
            v.add("(b) " + describe(c) + " is RUNNING pid " + c.getPid() + " but " + inRunc);
          }
        }
        case CONTAINER_STATE_CREATED -> {
          if (r == null || !r.status().equals("created") || r.pid() != c.getPid()) {
            v.add("(b) " + describe(c) + " is CREATED pid " + c.getPid() + " but " + inRunc);
          }
        }
        case CONTAINER_STATE_EXITED -> {
          if (r != null && (r.status().equals("running") || r.status().equals("paused"))) {
            v.add("(b) " + describe(c) + " is EXITED but " + inRunc);
          }
          Integer fileCode = exitFileCode(d, c.getId());
          if (fileCode != null && (!c.hasExitCode() || c.getExitCode() != fileCode)) {
            v.add("(b) " + describe(c) + " is EXITED with exit code "
                + (c.hasExitCode() ? c.getExitCode() : "unknown (" + c.getMessage() + ")")
                + " but its exit file says " + fileCode);
          }
        }
        default -> { }
      }
      if (c.getState() != ContainerState.CONTAINER_STATE_RUNNING && c.getState() != ContainerState.CONTAINER_STATE_CREATED
          && r != null && r.status().equals("running")) {
        v.add("(b) " + describe(c) + " is " + c.getState() + " but " + inRunc);
      }
    }
    // (b) the other way round, and (c)
    for (RuncContainer r : runc.values()) {
      checks++;
      Container c = byId.get(r.id());
      if (c == null) {
        v.add("(c) runc has container " + r.id() + " (" + r.status() + ", pid " + r.pid()
            + ") that the daemon does not list");
      }
    }
    for (Map.Entry<String, Long> m : conmons.entrySet()) {
      checks++;
      if (!byId.containsKey(m.getKey())) {
        v.add("(c) conmon pid " + m.getValue() + " serves container " + m.getKey() + " that the daemon does not list"
            + (runc.containsKey(m.getKey()) ? " (runc: " + runc.get(m.getKey()).status() + ")" : " (unknown to runc)"));
      }
    }
    checks += checkNetwork(d, listed, byId, v);
    return new Result(listed, runc, conmons, v, checks);
  }

  /** Invariant (h), against the daemon's CNI attachment records ({@code <state>/cni/attachments/ID.json}). */
  private static int checkNetwork(ConmanDaemon d, List<Container> listed, Map<String, Container> byId, List<String> v) {
    Set<String> attached = new java.util.TreeSet<>();
    try (Stream<Path> files = Files.list(d.state().resolve("cni/attachments"))) {
      files.map(f -> f.getFileName().toString()).filter(f -> f.endsWith(".json"))
          .forEach(f -> attached.add(f.substring(0, f.length() - ".json".length())));
    } catch (IOException e) {
      // no CNI state: nothing was ever attached
    }
    int checks = 0;
    for (Container c : listed) {
      checks++;
      boolean runs = c.getState() == ContainerState.CONTAINER_STATE_CREATED
          || c.getState() == ContainerState.CONTAINER_STATE_RUNNING;
      boolean onBridge = !c.getNetwork().isEmpty() && !c.getNetwork().equals("none") && !c.getNetwork().equals("host");
      if (!c.getIpAddress().isEmpty()) {
        if (!runs) {
          v.add("(h) " + describe(c) + " is " + c.getState() + " but still holds address " + c.getIpAddress());
        }
        if (!attached.contains(c.getId())) {
          v.add("(h) " + describe(c) + " holds address " + c.getIpAddress() + " without a CNI attachment");
        }
        if (!Files.exists(Path.of("/run/netns", "conman-" + c.getId().substring(0, 12)))) {
          v.add("(h) " + describe(c) + " holds address " + c.getIpAddress() + " but its namespace is gone");
        }
      } else if (runs && onBridge) {
        v.add("(h) " + describe(c) + " is " + c.getState() + " on network " + c.getNetwork() + " without an address");
      }
    }
    for (String id : attached) {
      checks++;
      Container c = byId.get(id);
      if (c == null) {
        v.add("(h) a CNI attachment is left for container " + id + ", which the daemon does not list");
      } else if (c.getIpAddress().isEmpty()) {
        v.add("(h) a CNI attachment is left for " + describe(c) + ", which holds no address");
      }
    }
    return checks;
  }

  static List<Container> list(ManagedChannel channel) {
    if (channel == null) {
      throw new IllegalStateException("the daemon is not running");
    }
    return RuntimeServiceGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS)
        .listContainers(ListContainersRequest.getDefaultInstance()).getContainersList();
  }

  static String describe(Container c) {
    return "container " + c.getName() + " (" + c.getId().substring(0, 12) + ")";
  }

  /** {@code runc list --format json} of the daemon's runc root, by id. */
  static Map<String, RuncContainer> runcList(ConmanDaemon d) {
    Map<String, RuncContainer> result = new TreeMap<>();
    if (!Files.isDirectory(d.runcRoot())) {
      return result;
    }
    Exec.Result r = Exec.run(Duration.ofSeconds(30), "runc", "--root", d.runcRoot().toString(), "list", "--format", "json");
    if (r.exitCode() != 0) {
      throw new IllegalStateException("runc list failed: " + r);
    }
    JsonElement json = JsonParser.parseString(r.stdout().isBlank() ? "null" : r.stdout());
    if (json.isJsonArray()) {
      for (JsonElement e : json.getAsJsonArray()) {
        JsonObject o = e.getAsJsonObject();
        String id = o.get("id").getAsString();
        result.put(id, new RuncContainer(id, o.get("status").getAsString(), o.has("pid") ? o.get("pid").getAsLong() : 0));
      }
    }
    return result;
  }

  /** The exit code in conmon's exit file for {@code id}; null when there is none (or it is empty). */
  static Integer exitFileCode(ConmanDaemon d, String id) {
    try {
      String text = Files.readString(d.exitFile(id)).strip();
      return text.isEmpty() ? null : Integer.valueOf(text);
    } catch (IOException | NumberFormatException e) {
      return null;
    }
  }

  /**
   * Live conmon processes serving this daemon's containers: container id to conmon pid. Found by
   * the pid files conmon writes ({@code <state>/conmon/ID.conmon.pid}, checked through
   * {@code /proc/PID/comm}) and, for a conmon whose pid file is gone, by its command line
   * ({@code -c ID} and this daemon's directories).
   */
  static Map<String, Long> conmons(ConmanDaemon d) {
    Map<String, Long> result = new LinkedHashMap<>();
    Path dir = d.state().resolve("conmon");
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        for (Path f : files.toList()) {
          String name = f.getFileName().toString();
          if (!name.endsWith(".conmon.pid")) {
            continue;
          }
          try {
            long pid = Long.parseLong(Files.readString(f).strip());
            if (ConmanDaemon.isConmon(pid)) {
              result.put(name.substring(0, name.length() - ".conmon.pid".length()), pid);
            }
          } catch (IOException | NumberFormatException ignored) {
            // being written, or gone meanwhile
          }
        }
      } catch (IOException ignored) {
        // the directory is gone: no pid files
      }
    }
    ProcessHandle.allProcesses().forEach(p -> {
      if (result.containsValue(p.pid()) || !ConmanDaemon.isConmon(p.pid())) {
        return;
      }
      List<String> argv = cmdline(p.pid());
      if (String.join(" ", argv).contains(d.dir().toString() + "/")) {
        int c = argv.indexOf("-c");
        result.put(c >= 0 && c + 1 < argv.size() ? argv.get(c + 1) : "pid-" + p.pid(), p.pid());
      }
    });
    return result;
  }

  private static List<String> cmdline(long pid) {
    try {
      String raw = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")), StandardCharsets.UTF_8);
      return List.of(raw.split("\0"));
    } catch (IOException e) {
      return List.of();
    }
  }

  /** The lines of the daemon log from line {@code fromLine} on (0-based) that match {@code which}. */
  static List<String> logLines(ConmanDaemon d, int fromLine, java.util.function.Predicate<String> which) {
    List<String> all = ConmanDaemon.readLog(d.log());
    return all.subList(Math.min(fromLine, all.size()), all.size()).stream().filter(which).toList();
  }

  static int logLineCount(ConmanDaemon d) {
    return ConmanDaemon.readLog(d.log()).size();
  }
}
