package dev.conman.it.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs a host command with a deadline; the network tests' only way to look at the host. */
final class Sh {

  record Result(int exit, String out) {
    boolean ok() {
      return exit == 0;
    }
  }

  private Sh() {}

  static Result run(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(
          new java.io.File("/dev/null"))).start();
      if (!p.waitFor(15, TimeUnit.SECONDS)) {
        p.descendants().forEach(ProcessHandle::destroyForcibly);
        p.destroyForcibly();
        throw new AssertionError(String.join(" ", argv) + " did not finish within 15 s");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new AssertionError("cannot run " + String.join(" ", argv) + ": " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  static String ok(String... argv) {
    Result r = run(argv);
    if (!r.ok()) {
      throw new AssertionError(String.join(" ", argv) + " exited with " + r.exit() + ": " + r.out());
    }
    return r.out();
  }

  /** In the namespace bound at {@code /run/netns/NAME}. */
  static Result inNetns(String name, String... argv) {
    List<String> all = new java.util.ArrayList<>(List.of("ip", "netns", "exec", name));
    all.addAll(List.of(argv));
    return run(all.toArray(String[]::new));
  }

  /** The iptables and ip6tables lines (rules and chains) that mention CNI or the given words. */
  static List<String> iptablesLines(String... words) {
    List<String> lines = new java.util.ArrayList<>();
    for (String tool : List.of("iptables-save", "ip6tables-save")) {
      Result r = run(tool);
      if (!r.ok()) {
        continue;
      }
      String table = "";
      for (String line : r.out().split("\n")) {
        if (line.startsWith("*")) {
          table = line;
        }
        boolean match = line.contains("CNI");
        for (String w : words) {
          match |= line.contains(w);
        }
        if (match && !line.startsWith("#")) {
          lines.add(tool + " " + table + " " + line.replaceAll("\\[\\d+:\\d+\\]", ""));
        }
      }
    }
    return lines;
  }

  /**
   * What the test added to iptables: lines in {@code after} that were not in {@code before}.
   * Lines may go (pruning removes the plugins' shared chains once nobody on the host uses them,
   * also chains another user left behind); none may come.
   */
  static List<String> added(List<String> before, List<String> after) {
    return after.stream().filter(line -> !before.contains(line)).toList();
  }
}
