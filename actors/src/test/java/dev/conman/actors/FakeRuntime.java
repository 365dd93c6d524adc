package dev.conman.actors;

import dev.conman.runc.ContainerRuntime;
import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeFailure;
import dev.conman.runc.RuntimeState;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An in-memory runc for the actor's unit tests only: it keeps a status per id, and a test decides
 * what fails and when processes end. Integration tests use the real runc and conmon.
 */
final class FakeRuntime implements ContainerRuntime {

  final Map<String, RuntimeState> containers = new ConcurrentHashMap<>();
  final Map<String, ExitRecord> exits = new ConcurrentHashMap<>();
  final List<String> calls = java.util.Collections.synchronizedList(new ArrayList<>());
  volatile String failCreate;
  volatile RuntimeFailure.Kind failCreateKind = RuntimeFailure.Kind.FAILED;
  volatile String failStart;
  /** When true, SIGTERM is ignored (like a process that traps it). */
  volatile boolean ignoreTerm;
  /** When set, start blocks until it is counted down (a daemon that dies mid-start). */
  volatile java.util.concurrent.CountDownLatch blockStart;
  /** When set, create waits until it is counted down (runc create at work). */
  volatile java.util.concurrent.CountDownLatch blockCreate;
  /** When set, runs as start begins (its intent is journaled by then). */
  volatile Runnable beforeStart;
  /** When set, runs as list begins (a reconciliation asking runc). */
  volatile Runnable beforeList;
  private int nextPid = 100;
  /** What {@link #takeLostExecs} gives, once. */
  final List<LostExec> lostExecs = java.util.Collections.synchronizedList(new ArrayList<>());

  @Override
  public synchronized int create(CreateRequest spec) throws RuntimeFailure {
    calls.add("create " + spec.id());
    if (blockCreate != null) {
      try {
        blockCreate.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    if (failCreate != null) {
      throw new RuntimeFailure(failCreateKind, failCreate);
    }
    int pid = nextPid++;
    containers.put(spec.id(), new RuntimeState(spec.id(), RuntimeState.Status.CREATED, pid, Instant.now()));
    return pid;
  }

  @Override
  public StartedInit start(String id) throws RuntimeFailure {
    calls.add("start " + id);
    if (beforeStart != null) {
      beforeStart.run();
    }
    if (blockStart != null) {
      try {
        blockStart.await();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "interrupted by the test");
    }
    if (failStart != null) {
      throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, failStart);
    }
    RuntimeState s = containers.get(id);
    containers.put(id, new RuntimeState(id, RuntimeState.Status.RUNNING, s.pid(), s.created()));
    return () -> exits.containsKey(id) || ended.contains(id);
  }

  /** Signals sent to a paused container: a frozen process acts on them once resumed. */
  private final Map<String, Integer> pending = new ConcurrentHashMap<>();

  @Override
  public void kill(String id, int signal) throws RuntimeFailure {
    calls.add("kill " + id + " " + signal);
    RuntimeState s = containers.get(id);
    if (s != null && s.status() == RuntimeState.Status.PAUSED) {
      pending.put(id, signal);
      return;
    }
    if (s == null || s.status() != RuntimeState.Status.RUNNING) {
      throw new RuntimeFailure(RuntimeFailure.Kind.NOT_RUNNING, "container not running");
    }
    deliver(id, signal);
  }

  private void deliver(String id, int signal) {
    if (signal == 15 && ignoreTerm) {
      return;
    }
    exit(id, 128 + signal);
  }

  @Override
  public void pause(String id) throws RuntimeFailure {
    calls.add("pause " + id);
    freeze(id, RuntimeState.Status.RUNNING, RuntimeState.Status.PAUSED, "container not running");
  }

  @Override
  public void resume(String id) throws RuntimeFailure {
    calls.add("resume " + id);
    freeze(id, RuntimeState.Status.PAUSED, RuntimeState.Status.RUNNING, "container not paused");
    Integer signal = pending.remove(id);
    if (signal != null) {
      deliver(id, signal);
    }
  }

  private void freeze(String id, RuntimeState.Status from, RuntimeState.Status to, String refusal)
      throws RuntimeFailure {
    RuntimeState s = containers.get(id);
    if (s == null || s.status() != from) {
      throw new RuntimeFailure(RuntimeFailure.Kind.NOT_RUNNING, refusal);
    }
    containers.put(id, new RuntimeState(id, to, s.pid(), s.created()));
  }

  /** The container's process ends with {@code code}, as conmon would record it. */
  void exit(String id, int code) {
    RuntimeState s = containers.get(id);
    containers.put(id, new RuntimeState(id, RuntimeState.Status.STOPPED, 0, s.created()));
    exits.put(id, new ExitRecord(code, Instant.now()));
  }

  @Override
  public void delete(String id, boolean force) {
    calls.add("delete " + id);
    containers.remove(id);
  }

  @Override
  public Optional<RuntimeState> state(String id) {
    return Optional.ofNullable(containers.get(id));
  }

  @Override
  public List<LostExec> takeLostExecs() {
    synchronized (lostExecs) {
      List<LostExec> taken = List.copyOf(lostExecs);
      lostExecs.clear();
      return taken;
    }
  }

  @Override
  public List<RuntimeState> list() {
    if (beforeList != null) {
      beforeList.run();
    }
    return List.copyOf(containers.values());
  }

  /** Containers whose process has ended before conmon wrote the exit file. */
  final java.util.Set<String> ended = ConcurrentHashMap.newKeySet();

  @Override
  public Optional<ExitRecord> exitRecord(String id) {
    return Optional.ofNullable(exits.get(id));
  }

  @Override
  public dev.conman.runc.ExecProcess exec(String id, String execId, ExecRequest request) throws RuntimeFailure {
    throw new RuntimeFailure(RuntimeFailure.Kind.FAILED, "exec is not simulated");
  }

  @Override
  public void forgetRuntimeFiles(String id) {
    exits.remove(id);
  }
}
