package dev.conman.runc;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns docker's {@code --user} ("UID", "UID:GID", "name", "name:group", mixed) into ids, from
 * the container's own /etc/passwd and /etc/group, the way runc's libcontainer/user does:
 * <ul>
 *   <li>a name must be in the file; a number need not be (a uid not in /etc/passwd gets gid 0);
 *   <li>without an explicit group, the user's primary group from /etc/passwd and, as
 *       supplementary groups, every group of /etc/group that lists the user's name;
 *   <li>with an explicit group, that group only.
 * </ul>
 *
 * <p>The root filesystem is untrusted: its /etc/passwd may be a symlink to the host's
 * /etc/shadow, or /etc a symlink to the host's /etc. Paths are therefore resolved inside the
 * rootfs the way the container would see them (as if chrooted: absolute link targets start at the
 * rootfs, ".." stops at its root), each component with {@code lstat}, and the file is opened
 * without following links, only when it is a regular file (a FIFO would block the read, a device
 * would never end), and read up to {@link #MAX_FILE_BYTES}. The rootfs must not change while this
 * runs (it is resolved before the container starts, when nothing runs in it).
 */
public final class UserResolver {

  /** More than any real passwd file; a larger one is an attack on the daemon's memory. */
  static final int MAX_FILE_BYTES = 4 << 20;
  private static final int MAX_SYMLINKS = 40;

  private UserResolver() {}

  /**
   * @param rootfs the container's root filesystem on the host
   * @param spec   "UID[:GID]" or "name[:group]" (or mixed); null or empty: root
   * @throws IllegalArgumentException for malformed specs, names not in the files, ids out of
   *                                  range, and files that are not regular files
   */
  public static User resolve(Path rootfs, String spec) {
    String text = spec == null ? "" : spec.strip();
    String userPart = text;
    String groupPart = null;
    int colon = text.indexOf(':');
    if (colon >= 0) {
      userPart = text.substring(0, colon);
      groupPart = text.substring(colon + 1);
      if (groupPart.isEmpty() || groupPart.indexOf(':') >= 0) {
        throw new IllegalArgumentException("user '" + spec + "' is not USER[:GROUP]");
      }
    }
    if (userPart.isEmpty() && colon >= 0) {
      throw new IllegalArgumentException("user '" + spec + "' is not USER[:GROUP]");
    }
    String name = userPart.isEmpty() ? "0" : userPart;

    List<PasswdEntry> passwd = readPasswd(rootfs);
    Optional<Long> numericUid = number(name, "uid", spec);
    PasswdEntry entry = passwd.stream()
        .filter(e -> numericUid.map(uid -> e.uid == uid).orElse(e.name.equals(name)))
        .findFirst().orElse(null);
    if (entry == null && numericUid.isEmpty()) {
      throw new IllegalArgumentException("user '" + name + "' is not in the container's /etc/passwd"
          + (passwd.isEmpty() ? " (it has none; give a numeric UID[:GID])" : ""));
    }
    long uid = numericUid.orElseGet(() -> entry.uid);

    if (groupPart != null) {
      return new User(uid, groupId(rootfs, groupPart, spec), List.of());
    }
    long gid = entry == null ? 0 : entry.gid;
    List<Long> supplementary = new ArrayList<>();
    if (entry != null) {
      for (GroupEntry group : readGroups(rootfs)) {
        if (group.members.contains(entry.name) && group.gid != gid && !supplementary.contains(group.gid)) {
          supplementary.add(group.gid);
        }
      }
    }
    return new User(uid, gid, supplementary);
  }

  private static long groupId(Path rootfs, String group, String spec) {
    Optional<Long> numeric = number(group, "gid", spec);
    if (numeric.isPresent()) {
      return numeric.get();
    }
    List<GroupEntry> groups = readGroups(rootfs);
    return groups.stream().filter(g -> g.name.equals(group)).findFirst()
        .orElseThrow(() -> new IllegalArgumentException("group '" + group
            + "' is not in the container's /etc/group" + (groups.isEmpty() ? " (it has none; give a numeric GID)" : "")))
        .gid;
  }

  private static Optional<Long> number(String text, String what, String spec) {
    if (!text.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    if (text.length() > 10 || Long.parseLong(text) > User.MAX_ID) {
      throw new IllegalArgumentException(what + " " + text + " in user '" + spec + "' is out of range 0.."
          + User.MAX_ID);
    }
    return Optional.of(Long.parseLong(text));
  }

  record PasswdEntry(String name, long uid, long gid) {}

  record GroupEntry(String name, long gid, Set<String> members) {}

  static List<PasswdEntry> readPasswd(Path rootfs) {
    List<PasswdEntry> entries = new ArrayList<>();
    for (String[] fields : records(rootfs, "/etc/passwd", 4)) {
      idOf(fields[2]).ifPresent(uid -> idOf(fields[3]).ifPresent(gid ->
          entries.add(new PasswdEntry(fields[0], uid, gid))));
    }
    return entries;
  }

  static List<GroupEntry> readGroups(Path rootfs) {
    List<GroupEntry> entries = new ArrayList<>();
    for (String[] fields : records(rootfs, "/etc/group", 3)) {
      Set<String> members = new LinkedHashSet<>();
      if (fields.length > 3) {
        for (String member : fields[3].split(",")) {
          if (!member.isBlank()) {
            members.add(member.strip());
          }
        }
      }
      idOf(fields[2]).ifPresent(gid -> entries.add(new GroupEntry(fields[0], gid, Set.copyOf(members))));
    }
    return entries;
  }

  /** Colon-separated records with at least {@code minFields} fields; comments and junk skipped. */
  private static List<String[]> records(Path rootfs, String file, int minFields) {
    Optional<String> content = readInside(rootfs, file);
    List<String[]> records = new ArrayList<>();
    if (content.isEmpty()) {
      return records;
    }
    for (String line : content.get().split("\n")) {
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      String[] fields = trimmed.split(":", -1);
      if (fields.length >= minFields && !fields[0].isEmpty()) {
        records.add(fields);
      }
    }
    return records;
  }

  private static Optional<Long> idOf(String text) {
    String t = text.strip();
    if (t.isEmpty() || t.length() > 10 || !t.chars().allMatch(c -> c >= '0' && c <= '9')) {
      return Optional.empty();
    }
    long id = Long.parseLong(t);
    return id <= User.MAX_ID ? Optional.of(id) : Optional.empty();
  }

  /**
   * The content of {@code path} as the container would see it; empty when it does not exist.
   *
   * @throws IllegalArgumentException when it exists but is no regular file, or is too large
   */
  static Optional<String> readInside(Path rootfs, String path) {
    Optional<Path> file;
    try {
      file = resolveInside(rootfs.toAbsolutePath().normalize(), path);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + path + " of the container: " + e.getMessage(), e);
    }
    if (file.isEmpty()) {
      return Optional.empty();
    }
    try {
      BasicFileAttributes attributes =
          Files.readAttributes(file.get(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      if (!attributes.isRegularFile()) {
        throw new IllegalArgumentException(path + " of the container is not a regular file");
      }
      if (attributes.size() > MAX_FILE_BYTES) {
        throw new IllegalArgumentException(path + " of the container is larger than " + MAX_FILE_BYTES + " bytes");
      }
      try (InputStream in = Files.newInputStream(file.get(), StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
        byte[] bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        if (bytes.length > MAX_FILE_BYTES) {
          throw new IllegalArgumentException(path + " of the container is larger than " + MAX_FILE_BYTES + " bytes");
        }
        return Optional.of(new String(bytes, StandardCharsets.UTF_8));
      }
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + path + " of the container: " + e.getMessage(), e);
    }
  }

  /**
   * Resolves an absolute in-container path to a host path under {@code root}, following
   * symlinks as the container would (chroot semantics); the result itself is no symlink.
   *
   * @return empty when a component does not exist
   * @throws IOException for a symlink loop or a non-directory in the middle of the path
   */
  static Optional<Path> resolveInside(Path root, String path) throws IOException {
    List<String> pending = new ArrayList<>(components(path));
    List<String> resolved = new ArrayList<>();
    int links = 0;
    while (!pending.isEmpty()) {
      String part = pending.remove(0);
      if (part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        if (!resolved.isEmpty()) {
          resolved.remove(resolved.size() - 1);
        }
        continue;
      }
      Path candidate = join(root, resolved).resolve(part);
      BasicFileAttributes attributes;
      try {
        attributes = Files.readAttributes(candidate, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
      } catch (NoSuchFileException e) {
        return Optional.empty();
      }
      if (attributes.isSymbolicLink()) {
        if (++links > MAX_SYMLINKS) {
          throw new IOException("too many levels of symbolic links in " + path);
        }
        String target = Files.readSymbolicLink(candidate).toString();
        if (target.startsWith("/")) {
          resolved.clear();
        }
        pending.addAll(0, components(target));
        continue;
      }
      if (!pending.isEmpty() && !attributes.isDirectory()) {
        throw new IOException("/" + String.join("/", resolved) + (resolved.isEmpty() ? "" : "/") + part
            + " is not a directory in " + path);
      }
      resolved.add(part);
    }
    return Optional.of(join(root, resolved));
  }

  private static List<String> components(String path) {
    List<String> parts = new ArrayList<>();
    for (String part : path.split("/")) {
      if (!part.isEmpty()) {
        parts.add(part);
      }
    }
    return parts;
  }

  private static Path join(Path root, List<String> parts) {
    Path result = root;
    for (String part : parts) {
      result = result.resolve(part);
    }
    return result;
  }
}
