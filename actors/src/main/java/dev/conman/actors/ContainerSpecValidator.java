package dev.conman.actors;

import dev.conman.runc.VolumeMount;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * Checks a create request before anything is journaled, and turns its image path into the real
 * directory path. Touches the file system (stat, realpath) but never writes: it runs on a request
 * thread, never on an actor.
 *
 * <p>The root filesystem must not be the host's root or lie inside conman's own directories: a
 * container must not be able to write the daemon's journal or another container's bundle.
 */
public final class ContainerSpecValidator {

  /** Docker's rule for names, which also keeps them safe as path and log components. */
  public static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
  public static final int MAX_NAME = 128;
  private static final int MAX_ITEMS = 1024;
  private static final int MAX_STRING = 32 * 1024;

  private final List<Path> ownedDirs;
  private final Images images;
  private final Networks networks;
  private final VolumeMaker volumes;

  /** Makes a named volume a create mounts, and journals it, when it does not exist yet. Blocking. */
  public interface VolumeMaker {
    void ensure(String name);

    /** For tests: the volumes' directories are made when the bundle is written. */
    VolumeMaker NONE = name -> { };
  }

  /**
   * @param ownedDirs conman's root and state directories: no rootfs directory may lie inside them
   * @param images    resolves (and pulls) image references
   * @param networks  resolves the requested network to none, host or the bridge network
   * @param volumes   makes the named volumes a create mounts
   */
  public ContainerSpecValidator(List<Path> ownedDirs, Images images, Networks networks, VolumeMaker volumes) {
    this.ownedDirs = ownedDirs.stream().map(ContainerSpecValidator::real).toList();
    this.images = images;
    this.networks = networks;
    this.volumes = volumes;
  }

  public ContainerSpecValidator(List<Path> ownedDirs, Images images, Networks networks) {
    this(ownedDirs, images, networks, VolumeMaker.NONE);
  }

  public ContainerSpecValidator(List<Path> ownedDirs, Images images) {
    this(ownedDirs, images, Networks.HOST_ONLY);
  }

  public ContainerSpecValidator(List<Path> ownedDirs) {
    this(ownedDirs, Images.NONE);
  }

  public static void checkName(String name) {
    checkName("container", name);
  }

  /** A named volume's name: as a container's, so that it is one directory under <root>/volumes. */
  public static void checkVolumeName(String name) {
    checkName("volume", name);
  }

  private static void checkName(String what, String name) {
    if (name == null || name.isEmpty()) {
      throw ContainerException.invalid("a " + what + " name is required");
    }
    if (name.length() > MAX_NAME) {
      throw ContainerException.invalid(what + " name is " + name.length() + " characters long; at most "
          + MAX_NAME + " are allowed");
    }
    if (!NAME.matcher(name).matches()) {
      throw ContainerException.invalid("invalid " + what + " name " + quote(name)
          + ": use letters, digits, '_', '.' and '-', starting with a letter or digit");
    }
  }

  /**
   * @return the spec with {@code image} replaced by its real path, or resolved to a pulled image
   *     whose defaults fill in command, env and workdir; other defaults filled in
   */
  public ContainerSpec validate(ContainerSpec spec) {
    checkName(spec.name());
    checkAutoRemove(spec);
    String image = spec.image() == null ? "" : spec.image();
    if (!image.isEmpty() && !image.startsWith("/") && !image.startsWith(".")) {
      checkStrings("image reference", List.of(image));
      Images.Resolved resolved = images.resolve(image);
      List<String> env = new java.util.ArrayList<>(resolved.env());
      env.addAll(spec.env());
      spec = spec.with(image, spec.command().isEmpty() ? resolved.args() : spec.command(), env,
          spec.workdir() == null || spec.workdir().isEmpty() ? resolved.workdir() : spec.workdir(), resolved.imageId());
      if (spec.security().user().isEmpty() && !resolved.user().isEmpty()) {
        spec = spec.withUser(resolved.user());
      }
    }
    String workdir = spec.workdir() == null || spec.workdir().isEmpty() ? "/" : spec.workdir();
    checkProcess(spec.command(), spec.env(), workdir);
    checkLabels(spec.labels());
    checkSecurity(spec.security());
    spec = spec.withNetwork(network(spec.network()));
    spec = spec.withMounts(mounts(spec.mounts()));
    spec.mounts().stream().filter(m -> m.kind() == VolumeMount.Kind.VOLUME).forEach(m -> volumes.ensure(m.source()));
    String rootfs = spec.fromImage() ? spec.image() : rootfs(spec.image()).toString();
    return spec.with(rootfs, spec.command(), spec.env(), workdir, spec.imageId());
  }

  private Path rootfs(String image) {
    if (image == null || image.isEmpty()) {
      throw ContainerException.invalid("--image is required: an image reference (e.g. localhost:5000/busybox)"
          + " or the absolute path of a root filesystem directory");
    }
    Path given = absolutePath("image path", image);
    if (!Files.exists(given)) {
      throw ContainerException.invalid("image directory " + image + " does not exist");
    }
    if (!Files.isDirectory(given)) {
      throw ContainerException.invalid("image " + image + " is not a directory (a root filesystem directory is expected)");
    }
    Path real = real(given);
    if (real.getNameCount() == 0) {
      throw ContainerException.invalid("the host's root directory cannot be a container's root filesystem");
    }
    checkNotOwned("image " + image, real);
    return real;
  }

  /** An absolute path without '..', as given (symbolic links not resolved). */
  private static Path absolutePath(String what, String value) {
    checkStrings(what, List.of(value));
    Path given;
    try {
      given = Path.of(value);
    } catch (InvalidPathException e) {
      throw ContainerException.invalid(what + " " + quote(value) + " is not a valid path");
    }
    if (!given.isAbsolute()) {
      throw ContainerException.invalid(what + " " + quote(value) + " must be absolute");
    }
    for (Path part : given) {
      if (part.toString().equals("..")) {
        throw ContainerException.invalid(what + " " + quote(value) + " must not contain '..'");
      }
    }
    return given;
  }

  /** A container may not see conman's journal, logs or runtime state: nothing inside them, nor above. */
  private void checkNotOwned(String what, Path real) {
    for (Path owned : ownedDirs) {
      if (real.startsWith(owned) || owned.startsWith(real)) {
        throw ContainerException.invalid(what + " overlaps conman's own directory " + owned
            + "; use a directory outside it");
      }
    }
  }

  static final int MAX_MOUNTS = 64;

  /** Where a mount would hide what runc mounts for the container itself, or its whole root. */
  private static final List<String> RESERVED_DESTINATIONS = List.of("/proc", "/sys");

  /**
   * Bind sources exist and resolve to their real paths (a link swapped later cannot redirect the
   * mount), outside conman's directories; destinations are absolute, distinct, and neither the
   * root nor under /proc or /sys.
   */
  private List<VolumeMount> mounts(List<VolumeMount> mounts) {
    if (mounts.size() > MAX_MOUNTS) {
      throw ContainerException.invalid(mounts.size() + " mounts; at most " + MAX_MOUNTS + " are allowed");
    }
    List<VolumeMount> checked = new java.util.ArrayList<>();
    java.util.Set<Path> destinations = new java.util.HashSet<>();
    for (VolumeMount m : mounts) {
      if (m.kind() == null) {
        throw ContainerException.invalid("mount " + quote(m.destination()) + " needs a type: bind, volume or tmpfs");
      }
      Path destination = absolutePath("mount destination", m.destination() == null ? "" : m.destination())
          .normalize();
      String where = destination.toString();
      if (destination.getNameCount() == 0) {
        throw ContainerException.invalid("mount destination '/' would hide the container's root filesystem;"
            + " mount a directory inside it");
      }
      for (String reserved : RESERVED_DESTINATIONS) {
        if (destination.startsWith(reserved)) {
          throw ContainerException.invalid("mount destination " + quote(where) + " is under " + reserved
              + ", which runc mounts for the container itself");
        }
      }
      if (!destinations.add(destination)) {
        throw ContainerException.invalid("two mounts at " + quote(where) + "; give each its own destination");
      }
      String source = null;
      if (m.kind() == VolumeMount.Kind.VOLUME) {
        try {
          checkVolumeName(m.source());
        } catch (ContainerException e) {
          throw ContainerException.invalid("mount at " + quote(where) + ": " + e.getMessage());
        }
        source = m.source();
      } else if (m.kind() == VolumeMount.Kind.BIND) {
        Path given = absolutePath("mount source", m.source() == null ? "" : m.source());
        if (!Files.exists(given)) {
          throw ContainerException.invalid("mount source " + m.source() + " does not exist on the host");
        }
        Path real = real(given);
        checkNotOwned("mount source " + m.source(), real);
        source = real.toString();
      } else if (m.source() != null && !m.source().isEmpty()) {
        throw ContainerException.invalid("a tmpfs mount has no source (" + quote(m.source()) + " given for "
            + where + ")");
      }
      checked.add(new VolumeMount(m.kind(), source, where, m.readOnly()));
    }
    return checked;
  }

  /**
   * A process to run, in a new container or by exec: a command, "KEY=VALUE" environment entries, an
   * absolute working directory (empty: the default).
   */
  public static void checkProcess(List<String> command, List<String> env, String workdir) {
    if (command.isEmpty() || command.get(0).isEmpty()) {
      throw ContainerException.invalid("a command is required (e.g. -- /bin/sh -c 'echo hi')");
    }
    checkStrings("command argument", command);
    checkStrings("environment entry", env);
    for (String e : env) {
      if (e.indexOf('=') <= 0) {
        throw ContainerException.invalid("environment entry " + quote(e) + " must have the form KEY=VALUE");
      }
    }
    checkStrings("workdir", List.of(workdir));
    if (!workdir.isEmpty() && !workdir.startsWith("/")) {
      throw ContainerException.invalid("workdir " + quote(workdir) + " must be an absolute path inside the container");
    }
  }

  /** A container deleted when it finishes cannot also be restarted when it finishes (docker refuses both). */
  static void checkAutoRemove(ContainerSpec spec) {
    if (spec.autoRemove() && spec.restart().kind() != RestartPolicy.Kind.NO) {
      throw ContainerException.invalid("auto_remove (--rm) and restart policy " + spec.restart()
          + " contradict each other: the container would be deleted when it exits; choose one");
    }
  }

  /** Names of capabilities and the syntax of the user; the user's name is resolved at create, in the rootfs. */
  private static void checkSecurity(ProcessSecurity security) {
    checkStrings("user", List.of(security.user()));
    checkStrings("capability", security.capAdd());
    checkStrings("capability", security.capDrop());
    try {
      security.capAdd().forEach(dev.conman.runc.Capabilities::normalize);
      security.capDrop().forEach(dev.conman.runc.Capabilities::normalize);
      if (!security.user().isEmpty() && !security.user().matches("[A-Za-z0-9_.][A-Za-z0-9_.-]*(:[A-Za-z0-9_.][A-Za-z0-9_.-]*)?")) {
        throw new IllegalArgumentException("user '" + security.user() + "' must be UID[:GID] or NAME[:GROUP]");
      }
    } catch (IllegalArgumentException e) {
      throw ContainerException.invalid(e.getMessage());
    }
  }

  /** The network by its canonical name; a host name DNS can carry; ports only where they can be published. */
  private NetworkSpec network(NetworkSpec requested) {
    checkStrings("network", List.of(requested.network()));
    if (requested.hostname() != null) {
      checkStrings("hostname", List.of(requested.hostname()));
      try {
        dev.conman.network.DnsFiles.checkHostname(requested.hostname());
      } catch (IllegalArgumentException e) {
        throw ContainerException.invalid(e.getMessage());
      }
    }
    // a request that contradicts itself is invalid whatever the host can give, so this comes
    // before resolve, which refuses a bridge network the host does not have
    try {
      dev.conman.network.PortMapping.checkDistinct(requested.ports());
    } catch (IllegalArgumentException e) {
      throw ContainerException.invalid(e.getMessage());
    }
    NetworkSpec resolved = requested.withNetwork(networks.resolve(requested.network()));
    if (!resolved.ports().isEmpty() && resolved.mode() != dev.conman.network.NetworkMode.BRIDGE) {
      throw ContainerException.invalid("ports can only be published on the bridge network, not with --network "
          + resolved.network());
    }
    return resolved;
  }

  private static void checkLabels(Map<String, String> labels) {
    if (labels.size() > MAX_ITEMS) {
      throw ContainerException.invalid("too many labels: " + labels.size() + ", at most " + MAX_ITEMS);
    }
    checkStrings("label key", List.copyOf(labels.keySet()));
    checkStrings("label value", List.copyOf(labels.values()));
    if (labels.containsKey("")) {
      throw ContainerException.invalid("label keys must not be empty (use --label KEY=VALUE)");
    }
  }

  private static void checkStrings(String what, List<String> values) {
    if (values.size() > MAX_ITEMS) {
      throw ContainerException.invalid("too many " + what + "s: " + values.size() + ", at most " + MAX_ITEMS);
    }
    for (String v : values) {
      if (v.length() > MAX_STRING) {
        throw ContainerException.invalid(what + " is " + v.length() + " characters long; at most " + MAX_STRING);
      }
      if (v.indexOf('\0') >= 0) {
        throw ContainerException.invalid(what + " " + quote(v) + " contains a NUL character");
      }
    }
  }

  private static Path real(Path p) {
    try {
      return p.toRealPath();
    } catch (IOException e) {
      return p.toAbsolutePath().normalize();
    }
  }

  /** Shows control characters escaped, so an error message cannot rewrite the user's terminal. */
  static String quote(String s) {
    StringBuilder b = new StringBuilder("'");
    s.codePoints().limit(200).forEach(c -> {
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\x%02x", c));
      } else {
        b.appendCodePoint(c);
      }
    });
    return b.append(s.length() > 200 ? "...'" : "'").toString();
  }
}
