package dev.conman.runc;

import java.nio.file.Path;
import java.util.List;

/**
 * What a container's config.json is generated from; the rest of the spec is runc's defaults.
 *
 * @param args      the process: program and arguments, at least one
 * @param env       "KEY=VALUE" entries; PATH gets the usual default when absent
 * @param cwd       absolute working directory inside the container
 * @param rootfs    absolute host path of the root filesystem
 * @param readonly  whether the root filesystem is mounted read-only
 * @param hostname  the UTS hostname; null leaves it unset
 * @param resources cgroup limits; null: none
 * @param security  user, capabilities, privileged, no-new-privileges; null: docker's defaults
 * @param netns     the network namespace; null: a new, empty one
 * @param mounts    bind mounts added after runc's default mounts (e.g. /etc/hosts); null: none
 * @param terminal  the process gets a pseudo-terminal (conmon must then run with {@code -t})
 */
public record BundleSpec(
    List<String> args, List<String> env, String cwd, Path rootfs, boolean readonly, String hostname,
    Resources resources, Security security, NetNamespace netns, List<BindMount> mounts, boolean terminal,
    List<VolumeMount> volumes) {

  public BundleSpec {
    if (args == null || args.isEmpty()) {
      throw new IllegalArgumentException("a container needs a command: args is empty");
    }
    args = List.copyOf(args);
    env = env == null ? List.of() : List.copyOf(env);
    for (String entry : env) {
      if (entry.indexOf('=') <= 0) {
        throw new IllegalArgumentException("environment entry '" + entry + "' is not KEY=VALUE");
      }
    }
    cwd = cwd == null || cwd.isEmpty() ? "/" : cwd;
    if (!cwd.startsWith("/")) {
      throw new IllegalArgumentException("working directory '" + cwd + "' must be an absolute path");
    }
    if (rootfs == null || !rootfs.isAbsolute()) {
      throw new IllegalArgumentException("root filesystem '" + rootfs + "' must be an absolute path");
    }
    resources = resources == null ? Resources.NONE : resources;
    security = security == null ? Security.defaults() : security;
    netns = netns == null ? NetNamespace.NEW : netns;
    mounts = mounts == null ? List.of() : List.copyOf(mounts);
    volumes = volumes == null ? List.of() : List.copyOf(volumes);
    if (resources.memorySwapBytes() != null && resources.memoryBytes() == null) {
      throw new IllegalArgumentException("a memory+swap limit needs a memory limit too");
    }
  }

  /** Without limits and with docker's default security. */
  public BundleSpec(
      List<String> args, List<String> env, String cwd, Path rootfs, boolean readonly, String hostname) {
    this(args, env, cwd, rootfs, readonly, hostname, Resources.NONE, Security.defaults(), null, null, false, null);
  }

  public BundleSpec withResources(Resources resources) {
    return new BundleSpec(args, env, cwd, rootfs, readonly, hostname, resources, security, netns, mounts, terminal, volumes);
  }

  public BundleSpec withSecurity(Security security) {
    return new BundleSpec(args, env, cwd, rootfs, readonly, hostname, resources, security, netns, mounts, terminal, volumes);
  }

  /** In the given network namespace, with these files mounted (the namespace's DNS files). */
  public BundleSpec withNetwork(NetNamespace netns, List<BindMount> mounts) {
    return new BundleSpec(args, env, cwd, rootfs, readonly, hostname, resources, security, netns, mounts, terminal, volumes);
  }

  /** With the mounts the user asked for (docker run -v, --tmpfs). */
  public BundleSpec withVolumes(List<VolumeMount> volumes) {
    return new BundleSpec(args, env, cwd, rootfs, readonly, hostname, resources, security, netns, mounts, terminal,
        volumes);
  }

  public BundleSpec withTerminal(boolean terminal) {
    return new BundleSpec(args, env, cwd, rootfs, readonly, hostname, resources, security, netns, mounts, terminal, volumes);
  }
}
