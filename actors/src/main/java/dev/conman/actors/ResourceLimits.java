package dev.conman.actors;

import dev.conman.runc.Resources;

/** Applying an update to resource limits: the update's set fields replace the current ones. */
final class ResourceLimits {

  private ResourceLimits() {}

  /** @throws IllegalArgumentException when the result is not a valid set of limits */
  static Resources merge(Resources current, Resources update) {
    return new Resources(
        pick(update.memoryBytes(), current.memoryBytes()),
        pick(update.memorySwapBytes(), current.memorySwapBytes()),
        pick(update.cpuQuota(), current.cpuQuota()),
        pick(update.cpuPeriod(), current.cpuPeriod()),
        pick(update.cpuShares(), current.cpuShares()),
        pick(update.pidsLimit(), current.pidsLimit()),
        pick(update.cpusetCpus(), current.cpusetCpus()));
  }

  private static <T> T pick(T update, T current) {
    return update != null ? update : current;
  }
}
