package dev.conman.runc;

import java.util.List;

/**
 * Who a container's process is and what it may do. The defaults are docker's: root, docker's
 * capability set, no new privileges, masked and read-only /proc paths, no device access.
 *
 * <p>Capabilities go to the bounding, effective and permitted sets only. The inheritable and
 * ambient sets stay empty (CVE-2022-24769: a non-empty inheritable set lets a program with file
 * capabilities gain them across execve even as a non-root user).
 *
 * @param user            the process's uid, gid and supplementary groups
 *                        (see {@link UserResolver} for "name:group" specs)
 * @param capAdd          capabilities added to the defaults, normalized ("CAP_NET_ADMIN", "ALL")
 * @param capDrop         capabilities dropped from the defaults, normalized
 * @param privileged      every capability, no masked or read-only paths, rw /sys, access to
 *                        all devices (the cgroup's device rules; no host device nodes are added)
 * @param noNewPrivileges the kernel's no_new_privs: setuid binaries and file capabilities do not
 *                        raise privileges
 */
public record Security(User user, List<String> capAdd, List<String> capDrop, boolean privileged,
    boolean noNewPrivileges) {

  private static final Security DEFAULTS = new Security(User.ROOT, List.of(), List.of(), false, true);

  /**
   * @throws IllegalArgumentException for an unknown capability name
   */
  public Security {
    user = user == null ? User.ROOT : user;
    capAdd = Capabilities.normalizeAll(capAdd == null ? List.of() : capAdd);
    capDrop = Capabilities.normalizeAll(capDrop == null ? List.of() : capDrop);
  }

  /** docker's defaults: root, default capabilities, no new privileges. */
  public static Security defaults() {
    return DEFAULTS;
  }

  public Security withUser(User user) {
    return new Security(user, capAdd, capDrop, privileged, noNewPrivileges);
  }

  public Security withCapabilities(List<String> add, List<String> drop) {
    return new Security(user, add, drop, privileged, noNewPrivileges);
  }

  public Security withPrivileged(boolean privileged) {
    return new Security(user, capAdd, capDrop, privileged, noNewPrivileges);
  }

  public Security withNoNewPrivileges(boolean noNewPrivileges) {
    return new Security(user, capAdd, capDrop, privileged, noNewPrivileges);
  }

  /**
   * The bounding, effective and permitted set on this host: every capability the host can give
   * when privileged (see {@link Capabilities#hostBounding()}); ALL in {@code capAdd} likewise.
   */
  public List<String> capabilities() {
    return capabilities(Capabilities.hostBounding());
  }

  /** @param available the capabilities "every capability" means */
  List<String> capabilities(java.util.Set<String> available) {
    if (privileged) {
      return Capabilities.ALL.stream().filter(available::contains).toList();
    }
    return Capabilities.combine(capAdd, capDrop, available);
  }

  /**
   * Refuses capabilities added by name that the host cannot give (runc would fail with
   * "unable to apply caps: operation not permitted").
   */
  public void checkHost() {
    checkHost(Capabilities.hostBounding());
  }

  void checkHost(java.util.Set<String> available) {
    List<String> missing = capAdd.stream()
        .filter(c -> !c.equals(Capabilities.ALL_NAME) && !available.contains(c)).toList();
    if (!missing.isEmpty()) {
      throw new IllegalArgumentException("capabilities " + missing
          + " cannot be added: the daemon itself does not have them (not in its bounding set)");
    }
  }
}
