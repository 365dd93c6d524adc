package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.Timestamp;
import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.Filter;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StatusAtRequest;
import dev.conman.api.v1.SubscribeRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The journal as a product: live events in order and complete, filters, history after delete,
 * status at a past moment, bad requests. Resuming across a daemon SIGKILL is in {@link EventsResumeIT}.
 */
class EventsIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  static final List<String> LIFECYCLE = List.of("create_requested", "created", "start_requested", "started",
      "exited", "delete_requested", "deleted");

  private static EventServiceGrpc.EventServiceBlockingStub events() {
    return EventServiceGrpc.newBlockingStub(conman.daemon().channel()).withDeadlineAfter(30, java.util.concurrent.TimeUnit.SECONDS);
  }

  static Filter filter(String key, String value) {
    return Filter.newBuilder().setKey(key).setValue(value).build();
  }

  /** Runs a container that exits with {@code code} through its whole life; returns its id. */
  static String runToExit(ConmanDaemon daemon, CreateContainerRequest request) {
    String id = daemon.runtime().createContainer(request).getContainer().getId();
    daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    daemon.runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build());
    daemon.runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).build());
    return id;
  }

  @Test
  void aFollowerReceivesEveryLifecycleEventInOrder() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("c");
    try (Follower f = Follower.fromNow(daemon.channel(), SubscribeRequest.newBuilder()
        .addFilters(filter("container", name)))) {
      String id = runToExit(daemon, Support.create(name, conman.rootfs(), "/bin/sh", "-c", "exit 7"));
      List<Event> got = f.awaitMatching(e -> true, LIFECYCLE.size(), Duration.ofSeconds(10));
      assertEquals(LIFECYCLE, got.stream().map(Event::getType).toList());
      assertTrue(got.stream().allMatch(e -> e.getContainerId().equals(id) && e.getContainerName().equals(name)));
      Event exited = got.get(4);
      assertEquals(7, exited.getExitCode());
      for (int i = 1; i < got.size(); i++) {
        assertTrue(got.get(i).getOffset() > got.get(i - 1).getOffset(), "offsets increase");
        assertEquals(got.get(i - 1).getSequence() + 1, got.get(i).getSequence(), "sequence numbers are dense");
      }
    }
  }

  @Test
  void filtersCombineKeysAndAlternativesOfOneKey() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    long start = lastOffset();
    String a = runToExit(daemon, Support.create(conman.name("a"), conman.rootfs(), "/bin/true").toBuilder()
        .putLabels("team", "blue").build());
    runToExit(daemon, Support.create(conman.name("b"), conman.rootfs(), "/bin/true").toBuilder()
        .putLabels("team", "red").build());
    List<Event> exitedBlue = past(SubscribeRequest.newBuilder().setSinceOffset(start)
        .addFilters(filter("type", "exited")).addFilters(filter("label", "team=blue")).build());
    assertEquals(List.of(a), exitedBlue.stream().map(Event::getContainerId).toList());
    List<Event> startedOrDeleted = past(SubscribeRequest.newBuilder().setSinceOffset(start)
        .addFilters(filter("type", "started")).addFilters(filter("type", "deleted"))
        .addFilters(filter("container", a.substring(0, 12))).build());
    assertEquals(List.of("started", "deleted"), startedOrDeleted.stream().map(Event::getType).toList());
  }

  @Test
  void untilInThePastEndsAFollowingStream() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    Instant hourAgo = Instant.now().minusSeconds(3600);
    try (Follower f = Follower.start(daemon.channel(), SubscribeRequest.newBuilder().setSinceOffset(0).setFollow(true)
        .setUntilTime(Timestamp.newBuilder().setSeconds(hourAgo.getEpochSecond())).build())) {
      assertTrue(f.awaitEnd(Duration.ofSeconds(10)), "the stream ended");
      assertEquals(null, f.error());
      assertEquals(List.of(), f.events());
    }
    long end = lastOffset();
    List<Event> upTo = past(SubscribeRequest.newBuilder().setSinceOffset(0).setUntilOffset(Math.min(3, end)).build());
    assertTrue(upTo.stream().allMatch(e -> e.getOffset() <= 3));
  }

  @Test
  void historySurvivesDeleteAndStatusAtReplaysThePast() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("h");
    String id = runToExit(daemon, Support.create(name, conman.rootfs(), "/bin/sh", "-c", "sleep 0.3; exit 4"));

    List<Event> history = events().history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
    assertEquals(LIFECYCLE, history.stream().map(Event::getType).toList());
    Support.assertCode(Status.Code.NOT_FOUND, () -> events().history(HistoryRequest.newBuilder().setRef(name).build()));

    Event started = history.get(3);
    Container running = events().statusAt(StatusAtRequest.newBuilder().setRef(id).setSequence(started.getSequence())
        .build()).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, running.getState());
    Container atStartTime = events().statusAt(StatusAtRequest.newBuilder().setRef(id).setTime(started.getTime())
        .build()).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, atStartTime.getState());
    Container exited = events().statusAt(StatusAtRequest.newBuilder().setRef(id).setTime(history.get(4).getTime())
        .build()).getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, exited.getState());
    assertEquals(4, exited.getExitCode());
    Container deleted = events().statusAt(StatusAtRequest.newBuilder().setRef(id).setSequence(99).build())
        .getContainer();
    assertEquals(ContainerState.CONTAINER_STATE_DELETED, deleted.getState());
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> events().statusAt(StatusAtRequest.newBuilder().setRef(id)
        .setTime(Timestamp.newBuilder().setSeconds(1)).build()));
  }

  @Test
  void badRequestsAreInvalidArguments() {
    long end = lastOffset();
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> past(SubscribeRequest.newBuilder().setSinceOffset(end + 1000).build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> past(SubscribeRequest.newBuilder().setSinceOffset(-1).build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> past(SubscribeRequest.newBuilder().setSinceOffset(0)
        .addFilters(filter("colour", "red")).build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> past(SubscribeRequest.newBuilder().setSinceOffset(0)
        .addFilters(filter("type", "exploded")).build()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> past(SubscribeRequest.getDefaultInstance()));
    Support.assertCode(Status.Code.INVALID_ARGUMENT, () -> events().statusAt(StatusAtRequest.newBuilder()
        .setRef("x").build()));
  }

  @Test
  void fiftyFollowersEachReceiveEveryEventOnceInJournalOrder() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String label = conman.name("load");
    int containers = 200;
    List<Follower> followers = new ArrayList<>();
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      for (int i = 0; i < 50; i++) {
        followers.add(Follower.fromNow(daemon.channel(), SubscribeRequest.newBuilder()
            .addFilters(filter("label", "load=" + label))));
      }
      List<Future<String>> runs = new ArrayList<>();
      for (int i = 0; i < containers; i++) {
        CreateContainerRequest request = Support.create(label + "-" + i, conman.rootfs(), "/bin/true").toBuilder()
            .putLabels("load", label).build();
        runs.add(pool.submit(() -> runToExit(daemon, request)));
      }
      for (Future<String> run : runs) {
        run.get();
      }
      List<Long> reference = null;
      for (Follower f : followers) {
        List<Event> got = f.awaitMatching(e -> true, containers * LIFECYCLE.size(), Duration.ofSeconds(60));
        assertEquals(containers * LIFECYCLE.size(), got.size(), "exactly once");
        List<Long> offsets = got.stream().map(Event::getOffset).toList();
        for (int i = 1; i < offsets.size(); i++) {
          assertTrue(offsets.get(i) > offsets.get(i - 1), "journal order");
        }
        if (reference == null) {
          reference = offsets;
        }
        assertEquals(reference, offsets, "every follower sees the same events");
      }
    } finally {
      followers.forEach(Follower::close);
      pool.shutdownNow();
    }
  }

  static List<Event> past(SubscribeRequest request) {
    List<Event> got = new ArrayList<>();
    events().subscribe(request).forEachRemaining(got::add);
    return got;
  }

  static long lastOffset() {
    List<Event> all = past(SubscribeRequest.newBuilder().setSinceOffset(0).build());
    return all.isEmpty() ? 0 : all.get(all.size() - 1).getOffset();
  }
}
