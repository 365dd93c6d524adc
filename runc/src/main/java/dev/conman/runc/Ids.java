package dev.conman.runc;

/**
 * Container ids become file names under the runtime directories and arguments of runc:
 * anything that could escape a directory or read as an option is refused. No dots either:
 * conmon writes an exit file through a temporary "ID.XXXXXX" that the exit watcher must skip.
 */
final class Ids {

  private Ids() {}

  static String check(String id) {
    return check("container id", id);
  }

  /** The same rule for other ids that become parts of file names (an exec session's). */
  static String check(String what, String id) {
    if (id == null || id.isEmpty() || id.length() > 128 || id.startsWith("-")
        || !id.chars().allMatch(Ids::allowed)) {
      throw new IllegalArgumentException("invalid " + what + ": '" + id
          + "' (letters, digits, '_' and '-' only, at most 128 characters, not starting with '-')");
    }
    return id;
  }

  /** Whether {@link #check} would take {@code id}. */
  static boolean isValid(String id) {
    try {
      check(id);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  private static boolean allowed(int c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '_' || c == '-';
  }
}
