package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.Mount;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.Status.Code;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bind mounts and tmpfs with the real runc: what the container writes to a bind is on the host, a
 * read-only bind refuses writes, a tmpfs is new at each run, and the mounts are part of the
 * journaled spec, so a run after a daemon restart has them too. conman's own directories cannot be
 * mounted.
 */
class MountsIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethod();

  @TempDir
  Path host;

  private static Mount bind(Path source, String destination, boolean readOnly) {
    return Mount.newBuilder().setType("bind").setSource(source.toString()).setDestination(destination)
        .setReadOnly(readOnly).build();
  }

  private static final Mount SCRATCH = Mount.newBuilder().setType("tmpfs").setDestination("/scratch").build();

  /** Runs the container (again) and returns its exit code. */
  private int run(String id) {
    conman.daemon().runtime().startContainer(StartContainerRequest.newBuilder().setRef(id).build());
    return conman.daemon().runtime().waitContainer(WaitContainerRequest.newBuilder().setRef(id).build())
        .getContainer().getExitCode();
  }

  @Test
  void bindsReachTheHostReadOnlyRefusesWritesAndTmpfsIsNewAtEachRun() throws IOException {
    Path data = Files.createDirectories(host.resolve("data"));
    Path conf = Files.writeString(host.resolve("app.conf"), "from the host\n");
    Path link = Files.createSymbolicLink(host.resolve("data-link"), data);
    // first run: /scratch is empty; the second run finds /data/runs from the first, and no /scratch/mark
    String script = "grep -q 'from the host' /etc/app.conf"
        + " && ! echo x > /etc/app.conf"
        + " && test ! -e /scratch/mark && touch /scratch/mark"
        + " && echo run >> /data/runs";
    String id = conman.daemon().runtime().createContainer(Support.create(conman.name("mounts"), conman.rootfs(),
        "/bin/sh", "-c", script).toBuilder().addMounts(bind(link, "/data", false))
        .addMounts(bind(conf, "/etc/app.conf", true)).addMounts(SCRATCH).build()).getContainer().getId();
    assertEquals(0, run(id), "first run");
    assertEquals("run\n", Files.readString(data.resolve("runs")), "written through the bind");
    assertEquals("from the host\n", Files.readString(conf), "the read-only bind was not written");

    Container c = conman.daemon().runtime().getContainer(GetContainerRequest.newBuilder().setRef(id).build())
        .getContainer();
    assertEquals(List.of(bind(data.toRealPath(), "/data", false), bind(conf.toRealPath(), "/etc/app.conf", true),
        SCRATCH), c.getMountsList(), "as created, the link resolved");

    conman.daemon().kill9();
    conman.daemon().restart();
    assertEquals(0, run(id), "run again after a daemon restart: the same mounts, a new tmpfs");
    assertEquals("run\nrun\n", Files.readString(data.resolve("runs")));
    conman.forceDelete(id);
    assertTrue(Files.isDirectory(data), "a delete leaves the host's directory alone");
  }

  @Test
  void conmansOwnDirectoriesAndHostPathsThatDoNotExistCannotBeMounted() throws IOException {
    ConmanDaemon d = conman.daemon();
    for (Path source : List.of(d.root(), d.state().resolve("runc"), d.root().getParent(), host.resolve("missing"))) {
      Support.assertCode(Code.INVALID_ARGUMENT, () -> d.runtime().createContainer(Support.create(
          conman.name("bad"), conman.rootfs(), "/bin/true").toBuilder().addMounts(bind(source, "/x", false)).build()));
    }
  }
}
