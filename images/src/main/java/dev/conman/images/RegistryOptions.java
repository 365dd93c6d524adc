package dev.conman.images;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * How to talk to registries. Build with {@link #builder()}; {@link #defaults()} is HTTPS everywhere
 * except loopback registries, linux/amd64, no credentials.
 */
public final class RegistryOptions {

  final Set<String> insecureRegistries;
  final boolean loopbackInsecure;
  final Map<String, Credentials> credentials;
  final Platform platform;
  final Duration connectTimeout;
  final Duration requestTimeout;
  final Duration stallTimeout;
  final int retries;
  final long maxManifestBytes;
  final long maxConfigBytes;
  final int parallelDownloads;
  final String userAgent;

  private RegistryOptions(Builder b) {
    this.insecureRegistries = Set.copyOf(b.insecureRegistries);
    this.loopbackInsecure = b.loopbackInsecure;
    this.credentials = Map.copyOf(b.credentials);
    this.platform = b.platform;
    this.connectTimeout = b.connectTimeout;
    this.requestTimeout = b.requestTimeout;
    this.stallTimeout = b.stallTimeout;
    this.retries = b.retries;
    this.maxManifestBytes = b.maxManifestBytes;
    this.maxConfigBytes = b.maxConfigBytes;
    this.parallelDownloads = b.parallelDownloads;
    this.userAgent = b.userAgent;
  }

  public static RegistryOptions defaults() {
    return builder().build();
  }

  public static Builder builder() {
    return new Builder();
  }

  public Platform platform() {
    return platform;
  }

  /** Whether {@code registry} (host[:port]) is spoken to over plain HTTP. */
  public boolean isInsecure(String registry) {
    return insecureRegistries.contains(registry) || (loopbackInsecure && isLoopback(registry));
  }

  static boolean isLoopback(String registry) {
    String host = registry;
    if (host.startsWith("[")) {
      host = host.substring(1, host.indexOf(']'));
      return host.equals("::1");
    }
    int colon = host.lastIndexOf(':');
    if (colon >= 0) {
      host = host.substring(0, colon);
    }
    return host.equals("localhost") || host.matches("127\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}");
  }

  public static final class Builder {
    private final Set<String> insecureRegistries = new HashSet<>();
    private boolean loopbackInsecure = true;
    private final Map<String, Credentials> credentials = new HashMap<>();
    private Platform platform = Platform.LINUX_AMD64;
    private Duration connectTimeout = Duration.ofSeconds(10);
    private Duration requestTimeout = Duration.ofSeconds(30);
    private Duration stallTimeout = Duration.ofSeconds(60);
    private int retries = 2;
    private long maxManifestBytes = 4L << 20;
    private long maxConfigBytes = 8L << 20;
    private int parallelDownloads = 3;
    private String userAgent = "conman/0.1";

    /** Registries (host[:port]) spoken to over plain HTTP, e.g. {@code myregistry:5000}. */
    public Builder insecureRegistry(String registry) {
      insecureRegistries.add(registry);
      return this;
    }

    /** Plain HTTP for {@code localhost}, {@code 127.x.x.x} and {@code [::1]} (default true). */
    public Builder loopbackInsecure(boolean b) {
      loopbackInsecure = b;
      return this;
    }

    public Builder credentials(String registry, Credentials c) {
      credentials.put(Credentials.normaliseHost(registry), c);
      return this;
    }

    /** Adds the credentials of a docker-style {@code config.json} / {@code auth.json} (missing file: none). */
    public Builder credentialsFile(Path file) {
      credentials.putAll(Credentials.load(file));
      return this;
    }

    public Builder platform(Platform p) {
      platform = p;
      return this;
    }

    public Builder connectTimeout(Duration d) {
      connectTimeout = d;
      return this;
    }

    /** Until response headers arrive (manifests, tokens, start of a blob). */
    public Builder requestTimeout(Duration d) {
      requestTimeout = d;
      return this;
    }

    /** A blob download that receives no byte for this long fails. */
    public Builder stallTimeout(Duration d) {
      stallTimeout = d;
      return this;
    }

    /** Extra attempts after a transient failure (connection, 5xx, 429, stall); default 2. */
    public Builder retries(int n) {
      retries = n;
      return this;
    }

    public Builder maxManifestBytes(long n) {
      maxManifestBytes = n;
      return this;
    }

    public Builder maxConfigBytes(long n) {
      maxConfigBytes = n;
      return this;
    }

    /** Layers downloaded at once by one pull (default 3). */
    public Builder parallelDownloads(int n) {
      parallelDownloads = Math.max(1, n);
      return this;
    }

    public Builder userAgent(String ua) {
      userAgent = ua;
      return this;
    }

    public RegistryOptions build() {
      return new RegistryOptions(this);
    }
  }
}
