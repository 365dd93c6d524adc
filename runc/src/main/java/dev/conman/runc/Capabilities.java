package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Linux capability names and docker's rules for combining the default set with
 * {@code --cap-add} and {@code --cap-drop}.
 */
public final class Capabilities {

  /** Every capability runc 1.1.5 knows on a 6.x kernel, in the kernel's order. */
  public static final List<String> ALL = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",
      "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",
      "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK",
      "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
      "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE",
      "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
      "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG",
      "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF",
      "CAP_CHECKPOINT_RESTORE");

  /** docker's default set (moby oci/caps/defaults.go). */
  public static final List<String> DEFAULT = List.of(
      "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
      "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
      "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");

  /** The pseudo-name for every capability in {@code --cap-add} and {@code --cap-drop}. */
  public static final String ALL_NAME = "ALL";

  private static final Path PROC_STATUS = Path.of("/proc/self/status");

  /** Read once: a process's bounding set only ever shrinks, and the daemon does not shrink it. */
  private static volatile Set<String> bounding;

  private Capabilities() {}

  /**
   * The capabilities the daemon (and so runc) can give at all: its bounding set. runc fails
   * with "unable to apply caps: operation not permitted" for any other; hosts like this one
   * lack CAP_SYS_RESOURCE. Every capability when /proc cannot be read.
   */
  public static Set<String> hostBounding() {
    Set<String> known = bounding;
    if (known == null) {
      try {
        known = parseBounding(Files.readString(PROC_STATUS));
      } catch (IOException e) {
        known = Set.copyOf(ALL);
      }
      bounding = known;
    }
    return known;
  }

  /** The CapBnd mask of a /proc/PID/status text, as names; every capability when absent. */
  static Set<String> parseBounding(String status) {
    for (String line : status.split("\n")) {
      if (line.startsWith("CapBnd:")) {
        long mask = Long.parseUnsignedLong(line.substring("CapBnd:".length()).strip(), 16);
        Set<String> caps = new LinkedHashSet<>();
        for (int bit = 0; bit < ALL.size(); bit++) {
          if ((mask & (1L << bit)) != 0) {
            caps.add(ALL.get(bit));
          }
        }
        return Set.copyOf(caps);
      }
    }
    return Set.copyOf(ALL);
  }

  /**
   * The canonical name: upper case with the {@code CAP_} prefix, or {@link #ALL_NAME}.
   *
   * @throws IllegalArgumentException for a name that is no capability
   */
  public static String normalize(String name) {
    if (name == null || name.isBlank()) {
      throw new IllegalArgumentException("empty capability name");
    }
    String upper = name.strip().toUpperCase(Locale.ROOT);
    if (upper.equals(ALL_NAME)) {
      return ALL_NAME;
    }
    String full = upper.startsWith("CAP_") ? upper : "CAP_" + upper;
    if (!ALL.contains(full)) {
      throw new IllegalArgumentException("unknown capability '" + name
          + "' (names like NET_ADMIN or CAP_NET_ADMIN, or ALL)");
    }
    return full;
  }

  static List<String> normalizeAll(Collection<String> names) {
    Set<String> result = new LinkedHashSet<>();
    for (String name : names) {
      result.add(normalize(name));
    }
    return List.copyOf(result);
  }

  /**
   * docker's TweakCapabilities: with ALL added, every capability but the dropped ones; with ALL
   * dropped, only the added ones; otherwise the defaults minus the dropped plus the added.
   *
   * @param add  normalized names
   * @param drop normalized names
   * @param available what ALL stands for: the capabilities the host can give
   */
  static List<String> combine(List<String> add, List<String> drop, Set<String> available) {
    Set<String> caps = new LinkedHashSet<>();
    if (add.contains(ALL_NAME)) {
      ALL.stream().filter(available::contains).filter(c -> !drop.contains(c)).forEach(caps::add);
    } else if (drop.contains(ALL_NAME)) {
      caps.addAll(add);
    } else {
      DEFAULT.stream().filter(c -> !drop.contains(c)).forEach(caps::add);
      caps.addAll(add);
    }
    return List.copyOf(new ArrayList<>(caps));
  }
}
