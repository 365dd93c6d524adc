package dev.conman.images;

import com.fasterxml.jackson.databind.JsonNode;
import dev.conman.images.ImageException.Code;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A client of the OCI distribution API (registry HTTP API v2) for pulling: manifests (OCI and
 * Docker schema 2, indexes and manifest lists with platform selection) and blobs. Anonymous
 * Bearer tokens (the {@code WWW-Authenticate} challenge) and Basic credentials. Plain HTTP only
 * for registries {@link RegistryOptions#isInsecure insecure} by configuration (loopback by
 * default). All methods block; the client is thread-safe and meant to be shared.
 */
public final class RegistryClient implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(RegistryClient.class);
  private static final int MAX_REDIRECTS = 5;
  private static final Pattern AUTH_PARAM = Pattern.compile("(\\w+)=(?:\"([^\"]*)\"|([^,\\s]*))");

  private final RegistryOptions options;
  /** Made at the first request: building one loads TLS and the trust store, 100+ ms of daemon start. */
  private HttpClient http;
  /** Authorization header per "host repository", learned from challenges. */
  private final Map<String, String> authorizations = new ConcurrentHashMap<>();
  private final ScheduledExecutorService watchdog;

  public RegistryClient(RegistryOptions options) {
    this.options = options;
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "registry-stall-watchdog");
      t.setDaemon(true);
      return t;
    });
  }

  private synchronized HttpClient http() {
    if (http == null) {
      http = HttpClient.newBuilder()
          .connectTimeout(options.connectTimeout)
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
    }
    return http;
  }

  public RegistryOptions options() {
    return options;
  }

  @Override
  public void close() {
    watchdog.shutdownNow();
  }

  // ---------------------------------------------------------------- manifests

  /**
   * Fetches the manifest {@code ref} names; for an index, the one for the configured platform.
   * Every manifest is checked against its digest (the pinned one, the registry's
   * {@code Docker-Content-Digest}, the index's descriptor) and size limit.
   */
  public ResolvedManifest resolve(ImageReference ref) {
    Raw top = withRetries("fetch manifest of " + ref, () -> fetchManifest(ref, ref.manifestReference(), null));
    if (ref.digest() != null && !top.digest.equals(ref.digest())) {
      throw new ImageException(Code.DIGEST_MISMATCH, "registry " + ref.registry() + " served a manifest with digest "
          + top.digest + " for " + ref + ": refusing it");
    }
    Raw raw = top;
    byte[] indexBytes = null;
    for (int depth = 0; MediaTypes.INDEXES.contains(raw.mediaType); depth++) {
      if (depth == 2) {
        throw new ImageException(Code.UNSUPPORTED, "image index of " + ref + " nests indexes too deep");
      }
      indexBytes = raw.bytes;
      Descriptor chosen = selectPlatform(ref, raw);
      Raw index = raw;
      raw = withRetries("fetch manifest " + chosen.digest() + " of " + ref,
          () -> fetchManifest(ref, chosen.digest().toString(), chosen));
      log.debug("{}: index {} -> {} manifest {}", ref, index.digest, options.platform(), raw.digest);
    }
    if (!MediaTypes.MANIFESTS.contains(raw.mediaType)) {
      throw new ImageException(Code.UNSUPPORTED, describeUnsupportedManifest(ref, raw.mediaType));
    }
    JsonNode m = parse(raw.bytes, "manifest of " + ref);
    if (m.path("schemaVersion").asInt() != 2) {
      throw new ImageException(Code.UNSUPPORTED, "manifest of " + ref + " has schemaVersion "
          + m.path("schemaVersion") + "; only schema 2 is supported");
    }
    Descriptor config = Descriptor.fromJson(m.get("config"), "config of " + ref);
    if (!MediaTypes.CONFIGS.contains(config.mediaType())) {
      throw new ImageException(Code.UNSUPPORTED, ref + " is not a container image: its config has media type '"
          + config.mediaType() + "' (an OCI artifact?)");
    }
    JsonNode layersNode = m.get("layers");
    if (layersNode == null || !layersNode.isArray()) {
      throw new ImageException(Code.INVALID_CONTENT, "manifest of " + ref + " has no layers array");
    }
    List<Descriptor> layers = new ArrayList<>();
    for (JsonNode l : layersNode) {
      Descriptor d = Descriptor.fromJson(l, "layer " + layers.size() + " of " + ref);
      checkLayerMediaType(ref, d);
      layers.add(d);
    }
    return new ResolvedManifest(ref, top.digest, top.mediaType, indexBytes, raw.digest, raw.mediaType, raw.bytes,
        config, layers);
  }

  private static String describeUnsupportedManifest(ImageReference ref, String mediaType) {
    if (mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1) || mediaType.equals(MediaTypes.DOCKER_MANIFEST_V1_SIGNED)) {
      return ref + " uses Docker image manifest schema 1 (deprecated since 2017), which is not supported;"
          + " re-push it with a current docker, podman or skopeo";
    }
    return "manifest of " + ref + " has unsupported media type '" + mediaType + "'";
  }

  static void checkLayerMediaType(ImageReference ref, Descriptor d) {
    String t = d.mediaType();
    if (t.startsWith(MediaTypes.OCI_LAYER_NONDISTRIBUTABLE_PREFIX) || t.equals(MediaTypes.DOCKER_LAYER_FOREIGN)) {
      throw new ImageException(Code.UNSUPPORTED, "layer " + d.digest() + " of " + ref
          + " is a foreign / non-distributable layer (" + t + "), which cannot be pulled from the registry");
    }
    if (!MediaTypes.LAYERS.contains(t)) {
      throw new ImageException(Code.UNSUPPORTED, "layer " + d.digest() + " of " + ref + " has unsupported media type '"
          + t + "'; supported: " + MediaTypes.LAYERS);
    }
  }

  private Descriptor selectPlatform(ImageReference ref, Raw index) {
    JsonNode n = parse(index.bytes, "image index of " + ref);
    JsonNode manifests = n.get("manifests");
    if (manifests == null || !manifests.isArray()) {
      throw new ImageException(Code.INVALID_CONTENT, "image index of " + ref + " has no manifests array");
    }
    Platform want = options.platform();
    List<String> available = new ArrayList<>();
    for (JsonNode e : manifests) {
      Descriptor d = Descriptor.fromJson(e, "index entry of " + ref);
      Platform p = d.platform();
      if (p == null) {
        continue;
      }
      available.add(p.toString());
      if (want.matches(p.os(), p.architecture(), p.variant())
          && (MediaTypes.MANIFESTS.contains(d.mediaType()) || MediaTypes.INDEXES.contains(d.mediaType()))) {
        return d;
      }
    }
    throw new ImageException(Code.UNSUPPORTED, "no " + want + " image in " + ref + "; it is available for "
        + (available.isEmpty() ? "no declared platform" : String.join(", ", available)));
  }

  private record Raw(byte[] bytes, String mediaType, Digest digest) {}

  private Raw fetchManifest(ImageReference ref, String reference, Descriptor expected) {
    URI uri = uri(ref, "/manifests/" + reference);
    HttpResponse<InputStream> r = send(ref, uri, MediaTypes.MANIFEST_ACCEPT, "manifest " + ref.name() + ":" + reference);
    byte[] bytes;
    try (InputStream in = r.body()) {
      bytes = readLimited(in, options.maxManifestBytes, "manifest of " + ref);
    } catch (IOException e) {
      throw unavailable(ref, "reading manifest of " + ref, e);
    }
    Digest computed = Digest.of(bytes);
    String header = r.headers().firstValue("Docker-Content-Digest").orElse(null);
    if (header != null && header.startsWith(Digest.SHA256 + ":") && !header.equals(computed.toString())) {
      throw new ImageException(Code.DIGEST_MISMATCH, "manifest of " + ref + " has digest " + computed
          + " but the registry says " + header + ": refusing it");
    }
    if (expected != null && (!expected.digest().equals(computed) || expected.size() != bytes.length)) {
      throw new ImageException(Code.DIGEST_MISMATCH, "manifest " + expected.digest() + " of " + ref + " came back as "
          + computed + " (" + bytes.length + " bytes, expected " + expected.size() + "): refusing it");
    }
    String mediaType = r.headers().firstValue("Content-Type").map(RegistryClient::stripParams).orElse("");
    if (!MediaTypes.INDEXES.contains(mediaType) && !MediaTypes.MANIFESTS.contains(mediaType)) {
      JsonNode n = parse(bytes, "manifest of " + ref);
      String declared = n.path("mediaType").asText("");
      if (!declared.isEmpty()) {
        mediaType = declared;
      } else if (n.has("manifests")) {
        mediaType = MediaTypes.OCI_INDEX;
      } else if (n.has("layers") && n.path("schemaVersion").asInt() == 2) {
        mediaType = MediaTypes.OCI_MANIFEST;
      } else if (n.path("schemaVersion").asInt() == 1) {
        mediaType = MediaTypes.DOCKER_MANIFEST_V1;
      }
    }
    if (expected != null && !expected.mediaType().isEmpty() && !expected.mediaType().equals(mediaType)
        && MediaTypes.MANIFESTS.contains(expected.mediaType())) {
      mediaType = expected.mediaType();
    }
    return new Raw(bytes, mediaType, computed);
  }

  // ---------------------------------------------------------------- blobs

  /**
   * Opens the blob {@code digest} of {@code ref}'s repository. The stream is NOT verified: pass it
   * to {@link ContentStore#ensure} (which verifies digest and size); it fails with an
   * {@link IOException} if no byte arrives for the configured stall timeout.
   */
  public InputStream openBlob(ImageReference ref, Digest digest) {
    URI uri = uri(ref, "/blobs/" + digest);
    HttpResponse<InputStream> r = send(ref, uri, "*/*", "blob " + digest.shortHex() + " of " + ref.name());
    return new StallGuard(r.body(), options.stallTimeout, watchdog);
  }

  /** Reads a small blob (a config) into memory, verified against {@code d}. */
  public byte[] fetchSmallBlob(ImageReference ref, Descriptor d, long max) {
    if (d.size() > max) {
      throw new ImageException(Code.INVALID_CONTENT, "blob " + d.digest() + " of " + ref + " declares " + d.size()
          + " bytes, more than the limit of " + max);
    }
    return withRetries("fetch blob " + d.digest() + " of " + ref, () -> {
      byte[] bytes;
      try (InputStream in = openBlob(ref, d.digest())) {
        bytes = readLimited(in, max, "blob " + d.digest() + " of " + ref);
      } catch (IOException e) {
        throw unavailable(ref, "reading blob " + d.digest() + " of " + ref, e);
      }
      Digest got = Digest.of(bytes);
      if (!got.equals(d.digest()) || bytes.length != d.size()) {
        throw new ImageException(Code.DIGEST_MISMATCH, "blob " + d.digest() + " of " + ref + " came back as " + got
            + " (" + bytes.length + " bytes, expected " + d.size() + "): refusing it");
      }
      return bytes;
    });
  }

  // ---------------------------------------------------------------- HTTP

  URI uri(ImageReference ref, String suffix) {
    String scheme = options.isInsecure(ref.registry()) ? "http" : "https";
    return URI.create(scheme + "://" + ref.apiHost() + "/v2/" + ref.repository() + suffix);
  }

  /**
   * GET with the authorization dance and redirects; returns a 2xx response whose body the caller
   * must close, or throws an ImageException describing the failure.
   */
  private HttpResponse<InputStream> send(ImageReference ref, URI uri, String accept, String what) {
    String authKey = ref.apiHost() + " " + ref.repository();
    boolean triedAuth = false;
    URI current = uri;
    for (int hop = 0; ; ) {
      HttpRequest.Builder b = request(current).header("Accept", accept);
      String auth = authorizations.get(authKey);
      boolean sameHost = current.getHost().equals(uri.getHost()) && current.getPort() == uri.getPort();
      if (auth != null && sameHost) {
        b.header("Authorization", auth);
      }
      HttpResponse<InputStream> r = exchange(ref, b.build(), what);
      int status = r.statusCode();
      if (status >= 200 && status < 300) {
        return r;
      }
      if (status == 301 || status == 302 || status == 303 || status == 307 || status == 308) {
        String location = r.headers().firstValue("Location").orElse(null);
        discard(r);
        if (location == null || ++hop > MAX_REDIRECTS) {
          throw new ImageException(Code.REGISTRY_UNAVAILABLE, "registry " + ref.registry() + " redirected " + what
              + (location == null ? " without a Location" : " too often"));
        }
        URI next = current.resolve(location);
        if ("https".equals(current.getScheme()) && !"https".equals(next.getScheme())) {
          throw new ImageException(Code.REGISTRY_UNAVAILABLE, "registry " + ref.registry() + " redirected " + what
              + " from HTTPS to " + next + ": refused");
        }
        current = next;
        continue;
      }
      if (status == 401 && sameHost && !triedAuth) {
        List<String> challenges = r.headers().allValues("WWW-Authenticate");
        discard(r);
        triedAuth = true;
        authorizations.put(authKey, authorize(ref, challenges, what));
        continue;
      }
      throw statusError(ref, r, what, auth != null);
    }
  }

  private HttpRequest.Builder request(URI uri) {
    HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(options.requestTimeout)
        .header("User-Agent", options.userAgent);
    if ("http".equals(uri.getScheme())) {
      b.version(HttpClient.Version.HTTP_1_1);
    }
    return b;
  }

  private HttpResponse<InputStream> exchange(ImageReference ref, HttpRequest req, String what) {
    try {
      return http().send(req, HttpResponse.BodyHandlers.ofInputStream());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ImageException(Code.IO, "interrupted while fetching " + what, e);
    } catch (IOException e) {
      throw unavailable(ref, "fetching " + what + " from " + req.uri(), e);
    }
  }

  ImageException unavailable(ImageReference ref, String what, IOException e) {
    String hint = "";
    if (e instanceof ConnectException || e instanceof HttpConnectTimeoutException) {
      hint = "; is the registry up and the address right?";
      if (!options.isInsecure(ref.registry())) {
        hint += " (a registry serving plain HTTP must be listed as insecure)";
      }
    } else if (e instanceof SSLException) {
      hint = "; TLS failed (a registry serving plain HTTP must be listed as insecure)";
    } else if (e instanceof HttpTimeoutException) {
      hint = "; the registry did not answer within " + options.requestTimeout.toSeconds() + " s";
    }
    return new ImageException(Code.REGISTRY_UNAVAILABLE, "registry " + ref.registry() + " unavailable: " + what
        + ": " + ImageException.describe(e) + hint, e);
  }

  private ImageException statusError(ImageReference ref, HttpResponse<InputStream> r, String what, boolean hadAuth) {
    int status = r.statusCode();
    String detail = errorDetail(r);
    String suffix = detail.isEmpty() ? "" : " (" + detail + ")";
    return switch (status) {
      case 404 -> new ImageException(Code.NOT_FOUND, what + " not found in registry " + ref.registry() + suffix
          + (what.startsWith("manifest") ? ": check the repository name and tag" : ""));
      case 401, 403 -> {
        Credentials c = options.credentials.get(ref.registry());
        yield new ImageException(Code.UNAUTHORIZED, c != null
            ? "registry " + ref.registry() + " refused access to " + ref.repository() + " for user '" + c.username()
                + "' (HTTP " + status + ")" + suffix + ": check the credentials and that the repository exists"
            : "pull access denied for " + ref.name() + " (HTTP " + status + ")" + suffix
                + ": the repository does not exist or requires credentials for " + ref.registry());
      }
      case 429 -> new ImageException(Code.REGISTRY_UNAVAILABLE, "registry " + ref.registry()
          + " is rate-limiting pulls (HTTP 429)" + suffix + "; try again later or log in");
      case 400 -> new ImageException(Code.INVALID_REFERENCE, "registry " + ref.registry() + " rejected " + what
          + " (HTTP 400)" + suffix);
      default -> new ImageException(status >= 500 ? Code.REGISTRY_UNAVAILABLE : Code.INVALID_CONTENT,
          "registry " + ref.registry() + " answered HTTP " + status + " to " + what + suffix);
    };
  }

  private static String errorDetail(HttpResponse<InputStream> r) {
    byte[] body;
    try (InputStream in = r.body()) {
      body = in.readNBytes(8192);
    } catch (IOException e) {
      return "";
    }
    try {
      JsonNode errors = Json.MAPPER.readTree(body).path("errors");
      List<String> parts = new ArrayList<>();
      for (JsonNode e : errors) {
        parts.add(e.path("code").asText() + ": " + e.path("message").asText());
      }
      return String.join("; ", parts);
    } catch (IOException | RuntimeException e) {
      String s = new String(body, StandardCharsets.UTF_8).strip();
      return s.length() > 200 ? s.substring(0, 200) + "..." : s;
    }
  }

  private static void discard(HttpResponse<InputStream> r) {
    try (InputStream in = r.body()) {
      in.readNBytes(65536);
    } catch (IOException ignored) {
      // the connection is dropped instead of reused
    }
  }

  /** Answers a 401 challenge: a Bearer token from the realm, or Basic credentials. */
  private String authorize(ImageReference ref, List<String> challenges, String what) {
    Credentials creds = options.credentials.get(ref.registry());
    Map<String, String> bearer = null;
    boolean basic = false;
    for (String c : challenges) {
      String lower = c.toLowerCase(Locale.ROOT);
      if (lower.startsWith("bearer ")) {
        bearer = authParams(c.substring(7));
      } else if (lower.startsWith("basic")) {
        basic = true;
      }
    }
    if (bearer != null && bearer.containsKey("realm")) {
      return "Bearer " + fetchToken(ref, bearer, creds);
    }
    if (basic) {
      if (creds == null) {
        throw new ImageException(Code.UNAUTHORIZED, "registry " + ref.registry() + " requires credentials for " + what
            + ": add them to the registry credentials file");
      }
      if (!options.isInsecure(ref.registry()) || RegistryOptions.isLoopback(ref.registry())) {
        return creds.basicHeader();
      }
      throw new ImageException(Code.UNAUTHORIZED, "refusing to send credentials for " + ref.registry()
          + " over plain HTTP to a non-loopback host");
    }
    throw new ImageException(Code.UNAUTHORIZED, "registry " + ref.registry() + " refused " + what
        + " (HTTP 401) with no usable challenge " + challenges);
  }

  static Map<String, String> authParams(String s) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = AUTH_PARAM.matcher(s);
    while (m.find()) {
      out.put(m.group(1).toLowerCase(Locale.ROOT), m.group(2) != null ? m.group(2) : m.group(3));
    }
    return out;
  }

  private String fetchToken(ImageReference ref, Map<String, String> challenge, Credentials creds) {
    String scope = challenge.getOrDefault("scope", "repository:" + ref.repository() + ":pull");
    StringBuilder q = new StringBuilder();
    if (challenge.containsKey("service")) {
      q.append("service=").append(URLEncoder.encode(challenge.get("service"), StandardCharsets.UTF_8));
    }
    q.append(q.length() > 0 ? "&" : "").append("scope=").append(URLEncoder.encode(scope, StandardCharsets.UTF_8));
    URI realm;
    try {
      realm = URI.create(challenge.get("realm"));
    } catch (IllegalArgumentException e) {
      throw new ImageException(Code.UNAUTHORIZED, "registry " + ref.registry() + " sent an invalid token realm "
          + challenge.get("realm"));
    }
    if (realm.getScheme() == null || !(realm.getScheme().equals("https") || realm.getScheme().equals("http"))) {
      throw new ImageException(Code.UNAUTHORIZED, "registry " + ref.registry() + " sent an invalid token realm " + realm);
    }
    URI uri = URI.create(realm + (realm.getRawQuery() == null ? "?" : "&") + q);
    HttpRequest.Builder b = request(uri).header("Accept", "application/json");
    if (creds != null) {
      boolean safe = realm.getScheme().equals("https") || RegistryOptions.isLoopback(realm.getHost())
          || options.isInsecure(realm.getAuthority());
      if (!safe) {
        throw new ImageException(Code.UNAUTHORIZED, "refusing to send credentials for " + ref.registry()
            + " to the plain-HTTP token endpoint " + realm);
      }
      b.header("Authorization", creds.basicHeader());
    }
    HttpResponse<InputStream> r = exchange(ref, b.build(), "token from " + realm);
    if (r.statusCode() != 200) {
      String detail = errorDetail(r);
      Code code = r.statusCode() == 401 || r.statusCode() == 403 ? Code.UNAUTHORIZED
          : r.statusCode() >= 500 || r.statusCode() == 429 ? Code.REGISTRY_UNAVAILABLE : Code.UNAUTHORIZED;
      throw new ImageException(code, "token endpoint " + realm + " answered HTTP " + r.statusCode() + " for "
          + scope + (creds != null ? " (user '" + creds.username() + "')" : " (anonymous)")
          + (detail.isEmpty() ? "" : ": " + detail));
    }
    try (InputStream in = r.body()) {
      JsonNode n = Json.MAPPER.readTree(readLimited(in, 1 << 20, "token"));
      String token = n.hasNonNull("token") ? n.get("token").asText() : n.path("access_token").asText("");
      if (token.isEmpty()) {
        throw new ImageException(Code.UNAUTHORIZED, "token endpoint " + realm + " returned no token");
      }
      return token;
    } catch (IOException e) {
      throw unavailable(ref, "reading token from " + realm, e);
    }
  }

  // ---------------------------------------------------------------- helpers

  /** Runs {@code call}, retrying on REGISTRY_UNAVAILABLE up to the configured number of times. */
  <T> T withRetries(String what, Supplier<T> call) {
    long backoff = 200;
    for (int attempt = 0; ; attempt++) {
      try {
        return call.get();
      } catch (ImageException e) {
        if (e.code() != Code.REGISTRY_UNAVAILABLE || attempt >= options.retries) {
          throw e;
        }
        log.info("{} failed ({}), retrying in {} ms", what, e.getMessage(), backoff);
        try {
          Thread.sleep(backoff);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
        backoff *= 4;
      }
    }
  }

  static byte[] readLimited(InputStream in, long max, String what) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[16384];
    long total = 0;
    for (int n; (n = in.read(buf)) > 0; ) {
      total += n;
      if (total > max) {
        throw new ImageException(Code.INVALID_CONTENT, what + " is larger than the limit of " + max + " bytes");
      }
      out.write(buf, 0, n);
    }
    return out.toByteArray();
  }

  static JsonNode parse(byte[] bytes, String what) {
    try {
      JsonNode n = Json.MAPPER.readTree(bytes);
      if (n == null || !n.isObject()) {
        throw new ImageException(Code.INVALID_CONTENT, what + " is not a JSON object");
      }
      return n;
    } catch (IOException e) {
      throw new ImageException(Code.INVALID_CONTENT, what + " is not valid JSON: " + e.getMessage(), e);
    }
  }

  private static String stripParams(String contentType) {
    int semi = contentType.indexOf(';');
    return (semi >= 0 ? contentType.substring(0, semi) : contentType).trim();
  }

  /**
   * Fails a read that gets no byte for {@code timeout}: the JDK's HttpClient has no read timeout
   * for streamed bodies. The watchdog closes the response stream under the blocked reader
   * (which wakes it up) and the read fails with an IOException.
   */
  static final class StallGuard extends FilterInputStream {
    private final long timeoutNanos;
    private final ScheduledFuture<?> task;
    private volatile long lastProgress = System.nanoTime();
    private Thread reader;
    private volatile boolean stalled;

    StallGuard(InputStream in, Duration timeout, ScheduledExecutorService watchdog) {
      super(in);
      this.timeoutNanos = timeout.toNanos();
      long period = Math.max(50, timeout.toMillis() / 5);
      this.task = watchdog.scheduleAtFixedRate(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void check() {
      synchronized (this) {
        if (reader == null || stalled || System.nanoTime() - lastProgress <= timeoutNanos) {
          return;
        }
        stalled = true;
      }
      try {
        in.close();
      } catch (IOException ignored) {
        // the reader fails either way
      }
    }

    private synchronized void enter() throws IOException {
      if (stalled) {
        throw stallException();
      }
      reader = Thread.currentThread();
    }

    private synchronized boolean leave() {
      reader = null;
      return stalled;
    }

    private IOException stallException() {
      return new InterruptedIOException("no data received for " + Duration.ofNanos(timeoutNanos).toSeconds()
          + " s (stall timeout)");
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      int n = read(one, 0, 1);
      return n < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      enter();
      int n;
      try {
        n = in.read(b, off, len);
      } catch (IOException e) {
        if (leave()) {
          throw stallException();
        }
        throw e;
      }
      if (leave()) {
        throw stallException();
      }
      if (n > 0) {
        lastProgress = System.nanoTime();
      }
      return n;
    }

    @Override
    public void close() throws IOException {
      task.cancel(false);
      super.close();
    }
  }
}
