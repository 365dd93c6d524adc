package dev.conman.images;

import java.util.regex.Pattern;

/**
 * A docker-style image reference, normalised: {@code busybox} is
 * {@code docker.io/library/busybox:latest}, {@code localhost:5000/x} is
 * {@code localhost:5000/x:latest}, {@code name@sha256:...} pins a manifest (or index) digest.
 *
 * @param registry   host[:port], {@code docker.io} for Docker Hub
 * @param repository path inside the registry, e.g. {@code library/busybox}
 * @param tag        the tag; {@code null} only when a digest is given without a tag
 * @param digest     the pinned digest, or {@code null}
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {

  public static final String DOCKER_HUB = "docker.io";
  /** Where Docker Hub's API really lives. */
  public static final String DOCKER_HUB_API = "registry-1.docker.io";
  public static final String DEFAULT_TAG = "latest";
  private static final int MAX_NAME = 255;

  // distribution/reference grammar
  private static final String ALNUM = "[a-z0-9]+";
  private static final String SEPARATOR = "(?:[._]|__|-+)";
  private static final Pattern PATH_COMPONENT = Pattern.compile(ALNUM + "(?:" + SEPARATOR + ALNUM + ")*");
  private static final String DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
  private static final Pattern DOMAIN = Pattern.compile(
      "(?:" + DOMAIN_COMPONENT + "(?:\\." + DOMAIN_COMPONENT + ")*|\\[[0-9a-fA-F:.]+\\])(?::[0-9]{1,5})?");
  private static final Pattern TAG = Pattern.compile("[\\w][\\w.-]{0,127}");

  public ImageReference {
    if (registry == null || repository == null || (tag == null && digest == null)) {
      throw new IllegalArgumentException("registry, repository and a tag or digest are required");
    }
  }

  /**
   * Parses a reference the way docker does.
   *
   * @throws IllegalArgumentException with a message saying what is wrong
   */
  public static ImageReference parse(String s) {
    if (s == null || s.isBlank()) {
      throw new IllegalArgumentException("empty image reference");
    }
    if (!s.equals(s.strip())) {
      throw new IllegalArgumentException("invalid image reference '" + s + "': leading or trailing whitespace");
    }
    String rest = s;
    Digest digest = null;
    int at = rest.indexOf('@');
    if (at >= 0) {
      try {
        digest = Digest.parse(rest.substring(at + 1));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("invalid image reference '" + s + "': " + e.getMessage());
      }
      rest = rest.substring(0, at);
    }
    String tag = null;
    int lastSlash = rest.lastIndexOf('/');
    int colon = rest.lastIndexOf(':');
    if (colon > lastSlash) {
      tag = rest.substring(colon + 1);
      rest = rest.substring(0, colon);
      if (!TAG.matcher(tag).matches()) {
        throw new IllegalArgumentException("invalid image reference '" + s + "': invalid tag '" + tag
            + "' (letters, digits, '_', '.', '-', at most 128, not starting with '.' or '-')");
      }
    }
    if (rest.isEmpty()) {
      throw new IllegalArgumentException("invalid image reference '" + s + "': missing repository name");
    }
    String registry;
    String path;
    int slash = rest.indexOf('/');
    String first = slash < 0 ? rest : rest.substring(0, slash);
    if (slash < 0 || (!first.contains(".") && !first.contains(":") && !first.equals("localhost")
        && first.equals(first.toLowerCase()))) {
      registry = DOCKER_HUB;
      path = rest;
    } else {
      registry = first;
      path = rest.substring(slash + 1);
      if (!DOMAIN.matcher(registry).matches()) {
        throw new IllegalArgumentException("invalid image reference '" + s + "': invalid registry '" + registry + "'");
      }
      int portColon = registry.lastIndexOf(':');
      if (portColon > registry.lastIndexOf(']')) {
        int port = Integer.parseInt(registry.substring(portColon + 1));
        if (port < 1 || port > 65535) {
          throw new IllegalArgumentException("invalid image reference '" + s + "': port out of range in '" + registry + "'");
        }
      }
      if (registry.equals("index.docker.io") || registry.equals("registry-1.docker.io")) {
        registry = DOCKER_HUB;
      }
    }
    if (path.isEmpty()) {
      throw new IllegalArgumentException("invalid image reference '" + s + "': missing repository name");
    }
    if (!path.equals(path.toLowerCase())) {
      throw new IllegalArgumentException("invalid image reference '" + s + "': repository name must be lowercase");
    }
    for (String component : path.split("/", -1)) {
      if (!PATH_COMPONENT.matcher(component).matches()) {
        throw new IllegalArgumentException("invalid image reference '" + s + "': invalid repository path component '"
            + component + "' (lowercase letters and digits, separated by '.', '_', '__' or '-')");
      }
    }
    if (registry.equals(DOCKER_HUB) && !path.contains("/")) {
      path = "library/" + path;
    }
    if (registry.length() + 1 + path.length() > MAX_NAME) {
      throw new IllegalArgumentException("invalid image reference '" + s + "': name longer than " + MAX_NAME + " characters");
    }
    if (tag == null && digest == null) {
      tag = DEFAULT_TAG;
    }
    return new ImageReference(registry, path, tag, digest);
  }

  /** {@code registry/repository}. */
  public String name() {
    return registry + "/" + repository;
  }

  /** The name as docker shows it: without {@code docker.io/} and {@code library/}. */
  public String familiarName() {
    if (registry.equals(DOCKER_HUB)) {
      return repository.startsWith("library/") && repository.indexOf('/', 8) < 0
          ? repository.substring(8) : repository;
    }
    return name();
  }

  /** What to ask the manifests endpoint for: the digest if pinned, else the tag. */
  public String manifestReference() {
    return digest != null ? digest.toString() : tag;
  }

  /** The host (and port) the HTTP API is at. */
  public String apiHost() {
    return registry.equals(DOCKER_HUB) ? DOCKER_HUB_API : registry;
  }

  /** {@code name:tag}, or {@code null} if this reference has no tag. */
  public String taggedName() {
    return tag == null ? null : name() + ":" + tag;
  }

  /** {@code name@digest} for a given digest. */
  public String digestedName(Digest d) {
    return name() + "@" + d;
  }

  public ImageReference withDigest(Digest d) {
    return new ImageReference(registry, repository, tag, d);
  }

  /** Canonical form: {@code registry/repository[:tag][@digest]}. */
  @Override
  public String toString() {
    return name() + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
  }
}
