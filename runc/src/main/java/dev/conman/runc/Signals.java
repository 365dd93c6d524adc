package dev.conman.runc;

import java.util.Locale;
import java.util.Map;

/**
 * Signal names and numbers as Linux on x86_64 defines them, so that a user's "TERM", "SIGTERM"
 * or "15" all mean 15 before anything reaches runc, and errors name the bad input.
 */
public final class Signals {

  public static final int MIN = 1;
  public static final int MAX = 64;
  public static final int SIGRTMIN = 34;
  public static final int SIGRTMAX = 64;

  private static final String[] NAMES = {
      null, "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV",
      "USR2", "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU",
      "URG", "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS"};

  /** Other names the kernel headers give to the same numbers. */
  private static final Map<String, Integer> ALIASES = Map.of("IOT", 6, "CLD", 17, "POLL", 29);

  private Signals() {}

  /**
   * Parses a name with or without "SIG" in any case ("term", "SIGTERM"), "RTMIN+N" and
   * "RTMAX-N", or a number.
   *
   * @throws IllegalArgumentException for an unknown name or a number outside 1..64
   */
  public static int parse(String text) {
    if (text == null || text.isBlank()) {
      throw new IllegalArgumentException("no signal given");
    }
    String s = text.strip().toUpperCase(Locale.ROOT);
    if (s.chars().allMatch(Character::isDigit)) {
      return checkNumber(s, text);
    }
    String name = s.startsWith("SIG") ? s.substring(3) : s;
    for (int n = 1; n < NAMES.length; n++) {
      if (NAMES[n].equals(name)) {
        return n;
      }
    }
    if (ALIASES.containsKey(name)) {
      return ALIASES.get(name);
    }
    if (name.startsWith("RTMIN") || name.startsWith("RTMAX")) {
      return realtime(name, text);
    }
    throw new IllegalArgumentException("unknown signal '" + text
        + "': use a name such as TERM, KILL or HUP (with or without SIG), RTMIN+N, or a number 1-64");
  }

  /** @throws IllegalArgumentException when the number is outside 1..64 */
  public static int check(int signal) {
    if (signal < MIN || signal > MAX) {
      throw new IllegalArgumentException(
          "signal " + signal + " is out of range: Linux signals are " + MIN + " to " + MAX);
    }
    return signal;
  }

  /** The display name: "SIGTERM", "SIGRTMIN+2", "SIGRTMAX-1", or "SIG32" for glibc's own. */
  public static String name(int signal) {
    check(signal);
    if (signal < NAMES.length) {
      return "SIG" + NAMES[signal];
    }
    if (signal == SIGRTMIN) {
      return "SIGRTMIN";
    }
    if (signal == SIGRTMAX) {
      return "SIGRTMAX";
    }
    if (signal > SIGRTMIN) {
      // the same split as kill -l: the lower half counts up from RTMIN, the upper down from RTMAX
      return signal <= (SIGRTMIN + SIGRTMAX) / 2
          ? "SIGRTMIN+" + (signal - SIGRTMIN)
          : "SIGRTMAX-" + (SIGRTMAX - signal);
    }
    return "SIG" + signal;
  }

  private static int realtime(String name, String original) {
    int base = name.startsWith("RTMIN") ? SIGRTMIN : SIGRTMAX;
    String rest = name.substring(5);
    int signal;
    if (rest.isEmpty()) {
      signal = base;
    } else if ((rest.charAt(0) == '+' || rest.charAt(0) == '-') && rest.length() > 1
        && rest.substring(1).chars().allMatch(Character::isDigit) && rest.length() <= 4) {
      int offset = Integer.parseInt(rest.substring(1));
      signal = rest.charAt(0) == '+' ? base + offset : base - offset;
    } else {
      throw new IllegalArgumentException("unknown signal '" + original
          + "': real-time signals are written RTMIN, RTMIN+N, RTMAX-N or RTMAX");
    }
    if (signal < SIGRTMIN || signal > SIGRTMAX) {
      throw new IllegalArgumentException("signal '" + original + "' is " + signal
          + ", outside the real-time range " + SIGRTMIN + " to " + SIGRTMAX);
    }
    return signal;
  }

  private static int checkNumber(String digits, String original) {
    int signal = digits.length() > 3 ? Integer.MAX_VALUE : Integer.parseInt(digits);
    if (signal < MIN || signal > MAX) {
      throw new IllegalArgumentException(
          "signal " + original.strip() + " is out of range: Linux signals are " + MIN + " to " + MAX);
    }
    return signal;
  }
}
