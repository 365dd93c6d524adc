package dev.conman.runc;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The environment of the daemon's children (conmon, runc, CNI plugins) as posix_spawn takes it. The
 * daemon's own entries are the same for every child, so they are made native once; a child's extra
 * entries (conmon's {@code _OCI_SYNCPIPE}, a CNI plugin's {@code CNI_*}) go in front of them.
 */
final class ChildEnvironment {

  /**
   * The daemon's environment, fixed for the life of the process, with LC_ALL=C.UTF-8: the daemon
   * reads its children's messages (conmon's errors end in C library strings), and a host's German
   * or French locale would translate them past {@link CommandErrors}. Not plain C: there glib
   * converts conmon's output through iconv, and each conmon had 0.5 MB more RSS (2.0 -> 2.4 MB in
   * bench memory) for 0.1 ms less CPU at its start. A container's own environment comes from its
   * spec, not from conmon's or runc's.
   */
  static final Map<String, String> DAEMON_ENV = inCUtf8Locale(System.getenv());

  /** {@link #DAEMON_ENV} as C strings, kept for the life of the process. */
  private static final CStringArray DAEMON_ENTRIES = CStringArray.of(entries(DAEMON_ENV));

  private ChildEnvironment() {}

  /**
   * The daemon's environment plus {@code extra}. An extra entry that replaces one of the daemon's
   * makes the whole array anew, so that each name appears once.
   */
  static CStringArray of(Map<String, String> extra) {
    if (extra.isEmpty()) {
      return DAEMON_ENTRIES;
    }
    for (String name : extra.keySet()) {
      if (DAEMON_ENV.containsKey(name)) {
        Map<String, String> all = new TreeMap<>(DAEMON_ENV);
        all.putAll(extra);
        return CStringArray.of(entries(all));
      }
    }
    return CStringArray.of(entries(extra), DAEMON_ENTRIES);
  }

  static Map<String, String> inCUtf8Locale(Map<String, String> env) {
    Map<String, String> c = new TreeMap<>(env);
    c.put("LC_ALL", "C.UTF-8");
    return c;
  }

  private static List<String> entries(Map<String, String> env) {
    List<String> entries = new ArrayList<>(env.size());
    env.forEach((name, value) -> entries.add(name + "=" + value));
    return entries;
  }
}
