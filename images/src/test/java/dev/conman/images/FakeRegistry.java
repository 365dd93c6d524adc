package dev.conman.images;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A registry on loopback speaking enough of the distribution API for the unit tests, with
 * switches for authentication, tampering, stalls and failures, and per-path request counts.
 * The real registry (docker-registry) is used by the integration tests.
 */
final class FakeRegistry implements AutoCloseable {

  enum Auth { NONE, BEARER, BASIC }

  private static final Pattern PATH = Pattern.compile("^/v2/(.+)/(manifests|blobs)/([^/]+)$");

  record Manifest(String mediaType, byte[] bytes) {}

  final Map<String, byte[]> blobs = new ConcurrentHashMap<>();
  /** "repo:tag" and "repo@digest" -> manifest. */
  final Map<String, Manifest> manifests = new ConcurrentHashMap<>();
  final Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
  volatile Auth auth = Auth.NONE;
  /** Credentials the token endpoint (BEARER) or the registry (BASIC) demands; null: anonymous allowed. */
  volatile Credentials credentials;
  volatile boolean tamper;
  volatile boolean stallBlobs;
  volatile int failNext;
  volatile boolean sendDigestHeader = true;
  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool(r -> {
    Thread t = new Thread(r, "fake-registry");
    t.setDaemon(true);
    return t;
  });
  private static final String TOKEN = "tok-123";

  FakeRegistry() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
    server.setExecutor(executor);
    server.createContext("/", this::handle);
    server.start();
  }

  String host() {
    return "127.0.0.1:" + server.getAddress().getPort();
  }

  void put(String repo, String tag, TestImage image) {
    image.blobs.forEach((d, b) -> blobs.put(d.toString(), b));
    Manifest m = new Manifest(image.manifestMediaType, image.manifest);
    manifests.put(repo + ":" + tag, m);
    manifests.put(repo + "@" + image.manifestDigest, m);
  }

  void putIndex(String repo, String tag, Map<String, TestImage> images) {
    images.values().forEach(i -> {
      i.blobs.forEach((d, b) -> blobs.put(d.toString(), b));
      manifests.put(repo + "@" + i.manifestDigest, new Manifest(i.manifestMediaType, i.manifest));
    });
    byte[] index = TestImage.index(images);
    Manifest m = new Manifest(MediaTypes.OCI_INDEX, index);
    manifests.put(repo + ":" + tag, m);
    manifests.put(repo + "@" + Digest.of(index), m);
  }

  int count(String pathSuffix) {
    return requests.entrySet().stream().filter(e -> e.getKey().endsWith(pathSuffix))
        .mapToInt(e -> e.getValue().get()).sum();
  }

  int blobGets(Digest d) {
    return count("/blobs/" + d);
  }

  private void handle(HttpExchange x) throws IOException {
    try (x) {
      String path = x.getRequestURI().getPath();
      requests.computeIfAbsent(path, k -> new AtomicInteger()).incrementAndGet();
      if (path.equals("/token")) {
        token(x);
        return;
      }
      if (failNext > 0) {
        failNext--;
        send(x, 503, "text/plain", "busy".getBytes(StandardCharsets.UTF_8));
        return;
      }
      if (!authorized(x)) {
        return;
      }
      if (path.equals("/v2/")) {
        send(x, 200, "application/json", "{}".getBytes(StandardCharsets.UTF_8));
        return;
      }
      Matcher m = PATH.matcher(path);
      if (!m.matches()) {
        send(x, 404, "application/json", error("NOT_FOUND", "no route"));
        return;
      }
      String repo = m.group(1);
      String ref = m.group(3);
      if (m.group(2).equals("manifests")) {
        Manifest man = manifests.get(repo + (ref.startsWith("sha256:") ? "@" : ":") + ref);
        if (man == null) {
          send(x, 404, "application/json", error("MANIFEST_UNKNOWN", "manifest unknown"));
          return;
        }
        if (sendDigestHeader) {
          x.getResponseHeaders().add("Docker-Content-Digest", Digest.of(man.bytes()).toString());
        }
        send(x, 200, man.mediaType(), man.bytes());
        return;
      }
      byte[] b = blobs.get(ref);
      if (b == null) {
        send(x, 404, "application/json", error("BLOB_UNKNOWN", "blob unknown to registry"));
        return;
      }
      if (stallBlobs) {
        x.sendResponseHeaders(200, b.length);
        OutputStream out = x.getResponseBody();
        out.write(b, 0, b.length / 2);
        out.flush();
        try {
          Thread.sleep(30_000);
        } catch (InterruptedException ignored) {
          // shut down
        }
        return;
      }
      if (tamper && b.length > 100) {
        b = b.clone();
        b[b.length / 2] ^= 1;
      }
      send(x, 200, "application/octet-stream", b);
    }
  }

  private boolean authorized(HttpExchange x) throws IOException {
    String h = x.getRequestHeaders().getFirst("Authorization");
    switch (auth) {
      case NONE:
        return true;
      case BEARER:
        if (("Bearer " + TOKEN).equals(h)) {
          return true;
        }
        x.getResponseHeaders().add("WWW-Authenticate", "Bearer realm=\"http://" + host()
            + "/token\",service=\"fake\",scope=\"repository:" + repoOf(x) + ":pull\"");
        send(x, 401, "application/json", error("UNAUTHORIZED", "authentication required"));
        return false;
      default:
        Credentials c = credentials;
        if (c != null && c.basicHeader().equals(h)) {
          return true;
        }
        x.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"fake\"");
        send(x, 401, "application/json", error("UNAUTHORIZED", "authentication required"));
        return false;
    }
  }

  private static String repoOf(HttpExchange x) {
    Matcher m = PATH.matcher(x.getRequestURI().getPath());
    return m.matches() ? m.group(1) : "";
  }

  private void token(HttpExchange x) throws IOException {
    Credentials c = credentials;
    String h = x.getRequestHeaders().getFirst("Authorization");
    if (c != null && !c.basicHeader().equals(h)) {
      send(x, 401, "application/json", error("UNAUTHORIZED", "bad credentials"));
      return;
    }
    send(x, 200, "application/json", ("{\"token\":\"" + TOKEN + "\",\"expires_in\":300}").getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] error(String code, String message) {
    return ("{\"errors\":[{\"code\":\"" + code + "\",\"message\":\"" + message + "\"}]}").getBytes(StandardCharsets.UTF_8);
  }

  private static void send(HttpExchange x, int status, String type, byte[] body) throws IOException {
    x.getResponseHeaders().add("Content-Type", type);
    x.sendResponseHeaders(status, body.length == 0 ? -1 : body.length);
    if (body.length > 0) {
      try (OutputStream out = x.getResponseBody()) {
        out.write(body);
      }
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
