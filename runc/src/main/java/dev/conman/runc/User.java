package dev.conman.runc;

import java.util.List;

/**
 * The identity of a container's process ({@code process.user} of the OCI spec).
 *
 * @param uid            user id, 0 to 4294967294 (uid_t; -1 is reserved)
 * @param gid            primary group id, same range
 * @param additionalGids supplementary groups, in order, without duplicates
 */
public record User(long uid, long gid, List<Long> additionalGids) {

  /** root, without supplementary groups. */
  public static final User ROOT = new User(0, 0, List.of());

  static final long MAX_ID = 4_294_967_294L;

  public User {
    checkId("uid", uid);
    checkId("gid", gid);
    additionalGids = additionalGids == null ? List.of() : List.copyOf(additionalGids);
    for (long g : additionalGids) {
      checkId("additional gid", g);
    }
    if (additionalGids.stream().distinct().count() != additionalGids.size()) {
      throw new IllegalArgumentException("additional gids repeat a group: " + additionalGids);
    }
  }

  public User(long uid, long gid) {
    this(uid, gid, List.of());
  }

  public boolean isRoot() {
    return uid == 0;
  }

  private static void checkId(String what, long id) {
    if (id < 0 || id > MAX_ID) {
      throw new IllegalArgumentException(what + " " + id + " is out of range 0.." + MAX_ID);
    }
  }
}
