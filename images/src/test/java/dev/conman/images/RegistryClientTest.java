package dev.conman.images;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.images.ImageException.Code;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class RegistryClientTest {

  FakeRegistry registry;
  TestImage amd64;
  TestImage arm64;

  @BeforeEach
  void setUp() throws IOException {
    registry = new FakeRegistry();
    amd64 = TestImage.of("amd64", false, new TarBuilder().file("a", "amd64").build());
    arm64 = TestImage.of("arm64", false, new TarBuilder().file("a", "arm64").build());
    registry.put("app", "1", amd64);
    Map<String, TestImage> both = new LinkedHashMap<>();
    both.put("arm64", arm64);
    both.put("amd64", amd64);
    registry.putIndex("multi", "latest", both);
    registry.putIndex("armonly", "latest", Map.of("arm64", arm64));
  }

  @AfterEach
  void tearDown() {
    registry.close();
  }

  private RegistryClient client(RegistryOptions.Builder b) {
    return new RegistryClient(b.retries(0).build());
  }

  private RegistryClient client() {
    return client(RegistryOptions.builder());
  }

  private ImageReference ref(String s) {
    return ImageReference.parse(registry.host() + "/" + s);
  }

  private static Code code(Runnable r) {
    return assertThrows(ImageException.class, r::run).code();
  }

  @Test
  void resolvesAManifest() {
    ResolvedManifest m = client().resolve(ref("app:1"));
    assertEquals(amd64.manifestDigest, m.digest());
    assertEquals(amd64.manifestDigest, m.manifestDigest());
    assertEquals(amd64.configDigest, m.config().digest());
    assertEquals(amd64.layers, m.layers().stream().map(Descriptor::digest).toList());
    assertEquals(null, m.indexBytes());
  }

  @Test
  void indexSelectsLinuxAmd64() {
    ResolvedManifest m = client().resolve(ref("multi:latest"));
    assertEquals(amd64.manifestDigest, m.manifestDigest());
    assertEquals(MediaTypes.OCI_INDEX, m.mediaType());
    assertTrue(m.indexBytes() != null);
    ResolvedManifest arm = client(RegistryOptions.builder().platform(Platform.parse("linux/arm64"))).resolve(ref("multi"));
    assertEquals(arm64.manifestDigest, arm.manifestDigest());
    ImageException e = assertThrows(ImageException.class, () -> client().resolve(ref("armonly")));
    assertEquals(Code.UNSUPPORTED, e.code());
    assertTrue(e.getMessage().contains("linux/arm64"), e.getMessage());
  }

  @Test
  void pinnedDigest() {
    ResolvedManifest m = client().resolve(ref("app@" + amd64.manifestDigest));
    assertEquals(amd64.manifestDigest, m.manifestDigest());
    // the registry answers with something else for that digest
    registry.manifests.put("app@" + arm64.manifestDigest, new FakeRegistry.Manifest(MediaTypes.OCI_MANIFEST, amd64.manifest));
    registry.sendDigestHeader = false;
    assertEquals(Code.DIGEST_MISMATCH, code(() -> client().resolve(ref("app@" + arm64.manifestDigest))));
  }

  @Test
  void digestHeaderMismatch() {
    registry.manifests.put("app:evil", new FakeRegistry.Manifest(MediaTypes.OCI_MANIFEST, amd64.manifest));
    registry.sendDigestHeader = true;
    // the header is computed from the served bytes: consistent; tamper with the bytes of the index entry instead
    Map<String, TestImage> one = Map.of("amd64", amd64);
    registry.putIndex("idx", "t", one);
    registry.manifests.put("idx@" + amd64.manifestDigest, new FakeRegistry.Manifest(MediaTypes.OCI_MANIFEST,
        arm64.manifest));
    ImageException e = assertThrows(ImageException.class, () -> client().resolve(ref("idx:t")));
    assertEquals(Code.DIGEST_MISMATCH, e.code());
  }

  @Test
  void dockerSchema2() throws IOException {
    TestImage d = TestImage.of("amd64", true, new TarBuilder().file("x", "y").build());
    registry.put("docker", "v2", d);
    ResolvedManifest m = client().resolve(ref("docker:v2"));
    assertEquals(MediaTypes.DOCKER_MANIFEST, m.manifestMediaType());
    assertEquals(MediaTypes.DOCKER_CONFIG, m.config().mediaType());
  }

  @Test
  void schema1AndArtifactsAreUnsupported() {
    registry.manifests.put("old:1", new FakeRegistry.Manifest(MediaTypes.DOCKER_MANIFEST_V1_SIGNED,
        "{\"schemaVersion\":1,\"name\":\"old\"}".getBytes(StandardCharsets.UTF_8)));
    ImageException e = assertThrows(ImageException.class, () -> client().resolve(ref("old:1")));
    assertEquals(Code.UNSUPPORTED, e.code());
    assertTrue(e.getMessage().contains("schema 1"), e.getMessage());
    String artifact = "{\"schemaVersion\":2,\"mediaType\":\"" + MediaTypes.OCI_MANIFEST + "\",\"config\":{\"mediaType\":"
        + "\"application/vnd.example+json\",\"digest\":\"" + amd64.configDigest + "\",\"size\":3},\"layers\":[]}";
    registry.manifests.put("art:1", new FakeRegistry.Manifest(MediaTypes.OCI_MANIFEST, artifact.getBytes(StandardCharsets.UTF_8)));
    assertEquals(Code.UNSUPPORTED, code(() -> client().resolve(ref("art:1"))));
  }

  @Test
  void tooLargeManifest() {
    assertEquals(Code.INVALID_CONTENT, code(() -> client(RegistryOptions.builder().maxManifestBytes(100)).resolve(ref("app:1"))));
  }

  @Test
  void notFound() {
    ImageException e = assertThrows(ImageException.class, () -> client().resolve(ref("app:nope")));
    assertEquals(Code.NOT_FOUND, e.code());
    assertTrue(e.getMessage().contains("MANIFEST_UNKNOWN"), e.getMessage());
    assertEquals(Code.NOT_FOUND, code(() -> client().resolve(ref("nothing:1"))));
  }

  @Test
  void anonymousBearerToken() throws IOException {
    registry.auth = FakeRegistry.Auth.BEARER;
    try (RegistryClient c = client()) {
      ResolvedManifest m = c.resolve(ref("app:1"));
      try (InputStream in = c.openBlob(ref("app:1"), m.config().digest())) {
        assertArrayEquals(amd64.blobs.get(amd64.configDigest), in.readAllBytes());
      }
    }
    assertEquals(1, registry.count("/token"), "the token is reused");
  }

  @Test
  void bearerWithCredentials() {
    registry.auth = FakeRegistry.Auth.BEARER;
    registry.credentials = new Credentials("alice", "secret");
    ImageException e = assertThrows(ImageException.class, () -> client().resolve(ref("app:1")));
    assertEquals(Code.UNAUTHORIZED, e.code());
    assertEquals(Code.UNAUTHORIZED, code(() -> client(RegistryOptions.builder()
        .credentials(registry.host(), new Credentials("alice", "wrong"))).resolve(ref("app:1"))));
    client(RegistryOptions.builder().credentials(registry.host(), new Credentials("alice", "secret")))
        .resolve(ref("app:1"));
  }

  @Test
  void basicAuth() {
    registry.auth = FakeRegistry.Auth.BASIC;
    registry.credentials = new Credentials("bob", "pw");
    ImageException e = assertThrows(ImageException.class, () -> client().resolve(ref("app:1")));
    assertEquals(Code.UNAUTHORIZED, e.code());
    assertTrue(e.getMessage().contains("credentials"), e.getMessage());
    ImageException wrong = assertThrows(ImageException.class, () -> client(RegistryOptions.builder()
        .credentials(registry.host(), new Credentials("bob", "nope"))).resolve(ref("app:1")));
    assertEquals(Code.UNAUTHORIZED, wrong.code());
    assertTrue(wrong.getMessage().contains("bob"), wrong.getMessage());
    client(RegistryOptions.builder().credentials(registry.host(), new Credentials("bob", "pw"))).resolve(ref("app:1"));
  }

  @Test
  void credentialsFile() throws IOException {
    java.nio.file.Path f = java.nio.file.Files.createTempFile("auth", ".json");
    try {
      String auth = java.util.Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8));
      java.nio.file.Files.writeString(f, "{\"auths\":{\"http://" + registry.host() + "/v1/\":{\"auth\":\"" + auth
          + "\"},\"https://index.docker.io/v1/\":{\"username\":\"u\",\"password\":\"p\"}}}");
      Map<String, Credentials> m = Credentials.load(f);
      assertEquals(new Credentials("bob", "pw"), m.get(registry.host()));
      assertEquals(new Credentials("u", "p"), m.get("docker.io"));
      registry.auth = FakeRegistry.Auth.BASIC;
      registry.credentials = new Credentials("bob", "pw");
      client(RegistryOptions.builder().credentialsFile(f)).resolve(ref("app:1"));
    } finally {
      java.nio.file.Files.delete(f);
    }
  }

  @Test
  void unreachableRegistry() throws IOException {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    ImageException e = assertThrows(ImageException.class,
        () -> client().resolve(ImageReference.parse("127.0.0.1:" + port + "/x:1")));
    assertEquals(Code.REGISTRY_UNAVAILABLE, e.code());
    assertTrue(e.getMessage().contains("127.0.0.1:" + port), e.getMessage());
  }

  @Test
  void plainHttpOnlyForInsecureOrLoopback() {
    RegistryClient c = client();
    assertEquals("https", c.uri(ImageReference.parse("quay.io/x/y"), "/").getScheme());
    assertEquals("https", c.uri(ImageReference.parse("busybox"), "/").getHost().equals("registry-1.docker.io") ? "https" : "?");
    assertEquals("http", c.uri(ImageReference.parse("localhost:5000/y"), "/").getScheme());
    assertEquals("http", client(RegistryOptions.builder().insecureRegistry("reg.lan:5000"))
        .uri(ImageReference.parse("reg.lan:5000/y"), "/").getScheme());
    assertEquals("https", client(RegistryOptions.builder().loopbackInsecure(false))
        .uri(ImageReference.parse("localhost:5000/y"), "/").getScheme());
  }

  @Test
  void transientFailuresAreRetried() {
    registry.failNext = 2;
    new RegistryClient(RegistryOptions.builder().retries(2).build()).resolve(ref("app:1"));
    registry.failNext = 1;
    assertEquals(Code.REGISTRY_UNAVAILABLE, code(() -> client().resolve(ref("app:1"))));
  }

  @Test
  void stalledDownloadFails() throws IOException {
    registry.stallBlobs = true;
    long t0 = System.nanoTime();
    try (RegistryClient c = client(RegistryOptions.builder().stallTimeout(Duration.ofMillis(500)));
        InputStream in = c.openBlob(ref("app:1"), amd64.layers.get(0))) {
      IOException e = assertThrows(IOException.class, in::readAllBytes);
      assertTrue(e.getMessage().contains("stall"), e.getMessage());
    }
    assertTrue(System.nanoTime() - t0 < 5_000_000_000L);
    assertTrue(!Thread.currentThread().isInterrupted());
  }

  @Test
  void authChallengeParsing() {
    Map<String, String> p = RegistryClient.authParams(
        "realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:library/busybox:pull\"");
    assertEquals("https://auth.docker.io/token", p.get("realm"));
    assertEquals("registry.docker.io", p.get("service"));
    assertEquals("repository:library/busybox:pull", p.get("scope"));
  }
}
