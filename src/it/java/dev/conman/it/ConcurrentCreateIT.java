package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.ListContainersRequest;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Names are unique: of 20 simultaneous creates of one name exactly one wins. */
class ConcurrentCreateIT {

  @RegisterExtension
  static final DaemonExtension conman = DaemonExtension.perClass();

  private static final int CLIENTS = 20;

  @Test
  void twentyConcurrentCreatesOfOneNameMakeOneContainer() throws Exception {
    String name = conman.name("same");
    var request = Support.create(name, conman.rootfs(), "/bin/sleep", "100");
    CountDownLatch ready = new CountDownLatch(CLIENTS);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(CLIENTS);
    List<Future<Object>> results = new ArrayList<>();
    try {
      for (int i = 0; i < CLIENTS; i++) {
        results.add(pool.submit(() -> {
          var stub = conman.daemon().runtime();
          ready.countDown();
          go.await();
          try {
            return stub.createContainer(request).getContainer();
          } catch (StatusRuntimeException e) {
            return e.getStatus();
          }
        }));
      }
      assertTrue(ready.await(10, TimeUnit.SECONDS), "clients ready");
      go.countDown();

      List<Container> created = new ArrayList<>();
      List<Status> refused = new ArrayList<>();
      for (Future<Object> f : results) {
        Object r = f.get(60, TimeUnit.SECONDS);
        if (r instanceof Container c) {
          created.add(c);
        } else {
          refused.add((Status) r);
        }
      }
      assertEquals(1, created.size(), () -> "exactly one create wins; refusals: " + refused);
      assertEquals(CLIENTS - 1, refused.size());
      for (Status s : refused) {
        assertEquals(Status.Code.ALREADY_EXISTS, s.getCode(), () -> "the losers get ALREADY_EXISTS: " + s);
        assertTrue(s.getDescription() != null && s.getDescription().contains(name), () -> "message names the name: " + s);
      }
      String id = created.get(0).getId();

      List<Container> listed = conman.daemon().runtime().listContainers(ListContainersRequest.getDefaultInstance())
          .getContainersList().stream().filter(c -> c.getName().equals(name)).toList();
      assertEquals(1, listed.size(), () -> "one container with the name in the list: " + listed);
      assertEquals(id, listed.get(0).getId());
      assertEquals(List.of(id), conman.daemon().runcContainers(), "runc knows exactly the winner");

      conman.daemon().runtime().deleteContainer(DeleteContainerRequest.newBuilder().setRef(id).setForce(true).build());
      assertEquals(List.of(), conman.daemon().runcContainers(), "runc knows nothing after the delete");
    } finally {
      pool.shutdownNow();
      pool.awaitTermination(10, TimeUnit.SECONDS);
    }
  }
}
