package dev.conman.network;

import dev.conman.runc.CommandResult;
import dev.conman.runc.CommandRunner;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DEL removes each container's own iptables rules and chains, but the plugins leave their shared
 * top-level chains behind: portmap's CNI-HOSTPORT-DNAT / -MASQ / -SETMARK (nat) and firewall's
 * CNI-FORWARD / CNI-ADMIN (filter), with jumps from the built-in chains. Other CNI users on the
 * host (podman with CNI) share them, so they are removed only when no rule of any container is
 * left in them: an empty CNI-HOSTPORT-DNAT means no port is published by anyone; a CNI-FORWARD
 * holding only its jump to an empty CNI-ADMIN means no container is admitted. The plugins
 * recreate them at the next ADD.
 */
final class IptablesPruner {

  private static final Logger log = LoggerFactory.getLogger(IptablesPruner.class);

  private final CommandRunner runner;
  private final Duration timeout;

  IptablesPruner(CommandRunner runner, Duration timeout) {
    this.runner = runner;
    this.timeout = timeout;
  }

  /** @return what was removed, for the log */
  List<String> prune() throws NetworkException {
    List<String> done = new ArrayList<>();
    for (String tool : List.of("iptables", "ip6tables")) {
      if (!available(tool)) {
        continue;
      }
      List<String> dnat = rules(tool, "nat", "CNI-HOSTPORT-DNAT");
      if (dnat != null && dnat.isEmpty()) {
        unhook(tool, "nat", "PREROUTING", "CNI-HOSTPORT-DNAT", done);
        unhook(tool, "nat", "OUTPUT", "CNI-HOSTPORT-DNAT", done);
        unhook(tool, "nat", "POSTROUTING", "CNI-HOSTPORT-MASQ", done);
        for (String chain : List.of("CNI-HOSTPORT-DNAT", "CNI-HOSTPORT-MASQ", "CNI-HOSTPORT-SETMARK")) {
          drop(tool, "nat", chain, done);
        }
      }
      List<String> forward = rules(tool, "filter", "CNI-FORWARD");
      List<String> admin = rules(tool, "filter", "CNI-ADMIN");
      if (forward != null && admin != null && admin.isEmpty()
          && forward.stream().allMatch(r -> jumpsTo(r, "CNI-ADMIN"))) {
        unhook(tool, "filter", "FORWARD", "CNI-FORWARD", done);
        drop(tool, "filter", "CNI-FORWARD", done);
        drop(tool, "filter", "CNI-ADMIN", done);
      }
    }
    return done;
  }

  /**
   * Removes the rules the bridge plugin tagged with {@code name: "NETWORK" id: "CONTAINER"}
   * and the chains they jump to. The bridge plugin's DEL finds its masquerade rules through the
   * addresses on the container's interface, so when the namespace is already gone it leaves them
   * behind; this sweeps them up.
   *
   * @return what was removed
   */
  List<String> removeContainerRules(String network, String containerId) throws NetworkException {
    String comment = "name: \"" + network + "\" id: \"" + containerId + "\"";
    List<String> done = new ArrayList<>();
    for (String tool : List.of("iptables", "ip6tables")) {
      if (!available(tool)) {
        continue;
      }
      for (String table : List.of("nat", "filter")) {
        CommandResult all = Host.run(runner, List.of(tool, "-w", "5", "-t", table, "-S"), timeout,
            "list the " + table + " table");
        if (!all.ok()) {
          continue;
        }
        List<List<String>> tagged = new ArrayList<>();
        java.util.Set<String> chains = new java.util.LinkedHashSet<>();
        for (String line : all.stdout().split("\n")) {
          if (!line.startsWith("-A ")) {
            continue;
          }
          List<String> t = tokens(line);
          int c = t.indexOf("--comment");
          if (c >= 0 && c + 1 < t.size() && t.get(c + 1).equals(comment)) {
            tagged.add(t);
            int j = t.indexOf("-j");
            if (j >= 0 && j + 1 < t.size() && t.get(j + 1).startsWith("CNI-")) {
              chains.add(t.get(j + 1));
            }
          }
        }
        for (List<String> t : tagged) {
          if (chains.contains(t.get(1))) {
            continue; // goes with its chain
          }
          List<String> argv = new ArrayList<>(List.of(tool, "-w", "5", "-t", table, "-D"));
          argv.addAll(t.subList(1, t.size()));
          if (Host.run(runner, argv, timeout, "delete a rule of " + containerId).ok()) {
            done.add(tool + " -t " + table + " -D " + String.join(" ", t.subList(1, t.size())));
          }
        }
        for (String chain : chains) {
          drop(tool, table, chain, done);
        }
      }
    }
    return done;
  }

  private static boolean available(String tool) {
    for (String dir : List.of("/usr/sbin", "/sbin", "/usr/bin", "/bin")) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return false;
  }

  /** The chain's rules in {@code -S} syntax without its {@code -N}/{@code -P} line; null if it does not exist. */
  private List<String> rules(String tool, String table, String chain) throws NetworkException {
    CommandResult r = Host.run(runner, List.of(tool, "-w", "5", "-t", table, "-S", chain), timeout,
        "list " + table + " chain " + chain);
    if (!r.ok()) {
      return null;
    }
    List<String> rules = new ArrayList<>();
    for (String line : r.stdout().split("\n")) {
      if (line.startsWith("-A ")) {
        rules.add(line);
      }
    }
    return rules;
  }

  /** Deletes every rule of {@code parent} that jumps to {@code target}. */
  private void unhook(String tool, String table, String parent, String target, List<String> done)
      throws NetworkException {
    List<String> rules = rules(tool, table, parent);
    if (rules == null) {
      return;
    }
    for (String rule : rules) {
      if (!jumpsTo(rule, target)) {
        continue;
      }
      List<String> t = tokens(rule);
      List<String> argv = new ArrayList<>(List.of(tool, "-w", "5", "-t", table, "-D"));
      argv.addAll(t.subList(1, t.size()));
      CommandResult r = Host.run(runner, argv, timeout, "delete " + rule);
      if (r.ok()) {
        done.add(tool + " -t " + table + " " + rule.replaceFirst("^-A", "-D"));
      } else {
        log.warn("cannot delete {} rule {}: {}", tool, rule, r.stderr().strip());
      }
    }
  }

  private void drop(String tool, String table, String chain, List<String> done) throws NetworkException {
    if (rules(tool, table, chain) == null) {
      return;
    }
    Host.run(runner, List.of(tool, "-w", "5", "-t", table, "-F", chain), timeout, "flush " + chain);
    CommandResult r = Host.run(runner, List.of(tool, "-w", "5", "-t", table, "-X", chain), timeout, "delete " + chain);
    if (r.ok()) {
      done.add(tool + " -t " + table + " -X " + chain);
    } else {
      log.warn("cannot delete {} chain {}: {}", tool, chain, r.stderr().strip());
    }
  }

  static boolean jumpsTo(String rule, String target) {
    List<String> t = tokens(rule);
    int j = t.indexOf("-j");
    return j >= 0 && j + 1 < t.size() && t.get(j + 1).equals(target);
  }

  /** Splits an {@code iptables -S} line like a shell would: double quotes group, backslash escapes. */
  static List<String> tokens(String line) {
    List<String> tokens = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && i + 1 < line.length()) {
        current.append(line.charAt(++i));
        any = true;
      } else if (c == '"') {
        quoted = !quoted;
        any = true;
      } else if (c == ' ' && !quoted) {
        if (any) {
          tokens.add(current.toString());
          current.setLength(0);
          any = false;
        }
      } else {
        current.append(c);
        any = true;
      }
    }
    if (any) {
      tokens.add(current.toString());
    }
    return tokens;
  }
}
