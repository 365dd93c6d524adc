package dev.conman.cli;

import dev.conman.api.v1.KillContainerRequest;
import io.grpc.StatusRuntimeException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * docker run's and docker attach's --sig-proxy: while conmanctl waits in the foreground without a
 * terminal, SIGINT (Ctrl-C), SIGTERM and SIGHUP sent to conmanctl go to the container's init
 * process instead of ending conmanctl, so that Ctrl-C stops a server as if it ran here and
 * conmanctl then exits with its exit code. An init that ignores the signal (a process 1 without a
 * handler does) would hold conmanctl forever: the third SIGINT or SIGTERM ends conmanctl, leaving
 * the container running, as the docker CLI does.
 */
final class SignalProxy implements AutoCloseable {

  /** SIGQUIT and SIGUSR2 are the JVM's own; a terminal's window change is not the container's business. */
  private static final List<String> PROXIED = List.of("INT", "TERM", "HUP");
  /** Interrupts after which conmanctl gives up forwarding and exits. */
  static final int GIVE_UP_AFTER = 3;

  private final List<Installed> installed = new ArrayList<>();
  private final AtomicInteger interrupts = new AtomicInteger();

  private record Installed(Signal signal, SignalHandler previous) {}

  private SignalProxy() {}

  /**
   * Forwards the signals to container {@code id} until closed.
   *
   * @param onGiveUp runs (and should end conmanctl) after the third SIGINT or SIGTERM
   */
  static SignalProxy start(Daemon daemon, String id, Console console, Runnable onGiveUp) {
    SignalProxy proxy = new SignalProxy();
    for (String name : PROXIED) {
      try {
        Signal signal = new Signal(name);
        SignalHandler previous = Signal.handle(signal, s -> proxy.forward(daemon, id, name, console, onGiveUp));
        proxy.installed.add(new Installed(signal, previous));
      } catch (IllegalArgumentException | UnsupportedOperationException e) {
        // not catchable here: it keeps its usual effect on conmanctl
      }
    }
    return proxy;
  }

  private void forward(Daemon daemon, String id, String name, Console console, Runnable onGiveUp) {
    if (!name.equals("HUP") && interrupts.incrementAndGet() >= GIVE_UP_AFTER) {
      console.error("got " + GIVE_UP_AFTER + " SIGINT/SIGTERM; exiting, container " + ContainerFormat.shortId(id)
          + " runs on (stop it with: conmanctl container stop " + ContainerFormat.shortId(id) + ")");
      onGiveUp.run();
      return;
    }
    try {
      daemon.runtime().killContainer(KillContainerRequest.newBuilder().setRef(id).setSignal("SIG" + name).build());
    } catch (StatusRuntimeException e) {
      // it has exited meanwhile (the wait reports that) or the daemon is gone (the wait fails too)
      console.error("could not forward SIG" + name + " to " + ContainerFormat.shortId(id) + ": " + Console.describe(e));
    }
  }

  /** Gives the signals back their earlier handling (the JVM's: SIGINT ends conmanctl). */
  @Override
  public void close() {
    for (Installed i : installed) {
      Signal.handle(i.signal(), i.previous());
    }
    installed.clear();
  }
}
