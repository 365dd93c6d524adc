package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.SubscribeRequest;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** A follower that lost its daemon resumes from its last offset and misses nothing, Reconciled included. */
class EventsResumeIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  @Test
  void resumingFromAnOffsetAfterSigkillGivesExactlyTheEventsAfterIt() throws Exception {
    ConmanDaemon daemon = conman.daemon();
    String name = conman.name("r");
    long last;
    String id;
    try (Follower f = Follower.fromNow(daemon.channel(), SubscribeRequest.newBuilder())) {
      id = daemon.runtime().createContainer(Support.create(name, conman.rootfs(), "/bin/sh", "-c",
          "while [ ! -e /tmp/go ]; do sleep 0.1; done; exit 3")).getContainer().getId();
      daemon.runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
      List<Event> seen = f.awaitMatching(e -> e.getType().equals("started"), 1, Duration.ofSeconds(10));
      last = seen.get(seen.size() - 1).getOffset();
      daemon.kill9();
    }
    Files.createFile(conman.rootfs().resolve("tmp/go"));
    Support.await("the exit file", Duration.ofSeconds(10), () -> Files.exists(daemon.exitFile(id)));
    daemon.restart();

    List<Event> resumed = new ArrayList<>();
    try (Follower f = Follower.start(daemon.channel(), SubscribeRequest.newBuilder().setSinceOffset(last)
        .setFollow(true).build())) {
      resumed = f.awaitMatching(e -> e.getType().equals("reconciled"), 1, Duration.ofSeconds(15));
    }
    assertTrue(resumed.stream().allMatch(e -> e.getOffset() > last), "nothing at or before the offset again");
    Event reconciled = resumed.stream().filter(e -> e.getType().equals("reconciled")).findFirst().orElseThrow();
    assertEquals(id, reconciled.getContainerId());
    assertEquals(ContainerState.CONTAINER_STATE_RUNNING, reconciled.getFromState());
    assertEquals(ContainerState.CONTAINER_STATE_EXITED, reconciled.getToState());
    assertEquals(3, reconciled.getExitCode());
    List<Event> all = new ArrayList<>();
    EventServiceGrpc.newBlockingStub(daemon.channel()).subscribe(SubscribeRequest.newBuilder().setSinceOffset(0).build())
        .forEachRemaining(all::add);
    assertEquals(all.stream().filter(e -> e.getOffset() > last).map(Event::getOffset).toList().subList(0, resumed.size()),
        resumed.stream().map(Event::getOffset).toList(), "exactly the events after the offset, in order");
    daemon.runtime().deleteContainer(dev.conman.api.v1.DeleteContainerRequest.newBuilder().setRef(id).build());
  }
}
