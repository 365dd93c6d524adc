package dev.conman.bench;

import dev.conman.api.v1.Event;
import dev.conman.api.v1.SubscribeRequest;
import io.grpc.ManagedChannel;
import io.grpc.stub.ClientCallStreamObserver;
import io.grpc.stub.ClientResponseObserver;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * One live subscriber (Subscribe, follow=true, no since): records, for each event, its offset,
 * container name, type, journal time and the delay from that time to its receipt here (same host
 * clock). Own channel, as an independent client would have.
 */
final class Follower implements ClientResponseObserver<SubscribeRequest, Event>, AutoCloseable {

  record Seen(long offset, String name, String type, long timeMicros, double latencyMs) {}

  private final ManagedChannel channel;
  private final List<Seen> seen = new ArrayList<>();
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  private volatile ClientCallStreamObserver<SubscribeRequest> call;
  private volatile Throwable error;

  Follower(Path socket) {
    this.channel = Conmand.channel(socket);
    dev.conman.api.v1.EventServiceGrpc.newStub(channel)
        .subscribe(SubscribeRequest.newBuilder().setFollow(true).build(), this);
  }

  @Override
  public void beforeStart(ClientCallStreamObserver<SubscribeRequest> requestStream) {
    this.call = requestStream;
  }

  @Override
  public void onNext(Event e) {
    Instant now = Instant.now();
    long tMicros = e.getTime().getSeconds() * 1_000_000L + e.getTime().getNanos() / 1000;
    long nowMicros = now.getEpochSecond() * 1_000_000L + now.getNano() / 1000;
    synchronized (seen) {
      seen.add(new Seen(e.getOffset(), e.getContainerName(), e.getType(), tMicros, (nowMicros - tMicros) / 1000.0));
    }
    if (e.getType().equals("deleted")) {
      deleted.add(e.getContainerName());
    }
  }

  @Override
  public void onError(Throwable t) {
    error = t;
  }

  @Override
  public void onCompleted() {}

  boolean sawDeleted(String name) {
    check();
    return deleted.contains(name);
  }

  long deletedWithPrefix(String prefix) {
    check();
    return deleted.stream().filter(n -> n.startsWith(prefix)).count();
  }

  List<Seen> seen(String prefix) {
    synchronized (seen) {
      return seen.stream().filter(s -> s.name().startsWith(prefix)).toList();
    }
  }

  private void check() {
    if (error != null) {
      throw new IllegalStateException("subscription ended: " + error, error);
    }
  }

  @Override
  public void close() {
    if (call != null) {
      call.cancel("bench done", null);
    }
    channel.shutdownNow();
  }

  /** A create+delete of a marker container, waited for on every follower: the subscriptions are live. */
  static void sync(Ctx c, List<Follower> followers, String name) {
    dev.conman.api.v1.Container ct = c.api().create(name, "/bin/true");
    c.api().delete(ct.getId(), true);
    Parallel.waitFor(() -> followers.stream().allMatch(f -> f.sawDeleted(name)), "followers to see " + name);
  }
}
