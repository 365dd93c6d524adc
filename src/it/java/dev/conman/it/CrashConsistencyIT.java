package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.conman.api.v1.Container;
import dev.conman.api.v1.ContainerState;
import dev.conman.api.v1.CreateContainerRequest;
import dev.conman.api.v1.DeleteContainerRequest;
import dev.conman.api.v1.Event;
import dev.conman.api.v1.EventServiceGrpc;
import dev.conman.api.v1.GetContainerRequest;
import dev.conman.api.v1.HistoryRequest;
import dev.conman.api.v1.KillContainerRequest;
import dev.conman.api.v1.RestartContainerRequest;
import dev.conman.api.v1.RuntimeServiceGrpc;
import dev.conman.api.v1.RuntimeServiceGrpc.RuntimeServiceBlockingStub;
import dev.conman.api.v1.StartContainerRequest;
import dev.conman.api.v1.StatusAtRequest;
import dev.conman.api.v1.StopContainerRequest;
import dev.conman.api.v1.WaitContainerRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status.Code;
import io.grpc.StatusRuntimeException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Crash consistency: a seeded random workload (create, start, stop, kill, delete, run-to-exit) on 20
 * container names from 4 client threads, while the daemon is SIGKILLed at random moments, several
 * of them a random 0-150 ms after a create, start or delete request was sent, and restarted. The
 * containers are on the bridge network (a bridge and subnet of the test's own), so kills also land
 * in the middle of CNI attaches and detaches. After every restart, with the clients held back, and
 * at the end, the test checks:
 *
 * <ul>
 *   <li>(a) every acknowledged create that was not deleted since is listed, every acknowledged
 *       delete is gone (listed nowhere, NOT_FOUND by id); an operation whose answer was lost to the
 *       kill may have happened or not, and the next check decides which from the listing;
 *       acknowledged outcomes stick: an acknowledged exit code stays until a start runs the
 *       container again, a started container is never CREATED again (but after a start of it that a
 *       kill cut short), a container nobody started is still CREATED, a run-to-exit container that
 *       nobody signalled exits with the code its command exits with;
 *   <li>(b)-(e) the host agrees with the listing ({@link Invariants});
 *   <li>(f) the journal replays: the daemon serves, History of every listed container is a
 *       complete sequence starting with create_requested, and replaying it (StatusAt) gives the
 *       listed state and exit code;
 *   <li>(g) what the restarted daemon journaled on its own before any client spoke to it is only
 *       {@code reconciled} events (whose from/to states match the replay), the completion of a
 *       delete that was in progress, the exit of a process that ended after the restart (an exit
 *       that happened while the daemon was down must be a {@code reconciled} event), or the
 *       release of the address of a container that will not run again ({@code network_detached}), or
 *       the address of a container found created whose create was cut short ({@code network_attached});
 *   <li>(h) a container holds a network address iff it is CREATED or RUNNING ({@link Invariants}).
 * </ul>
 *
 * The seed is printed at the start and in every failure: {@code -Dconman.seed=N} replays the same
 * random choices (thread timing still varies). {@code -Dconman.soak.minutes=M} runs the workload for
 * M minutes with no bound on kills or operations.
 */
class CrashConsistencyIT {

  @RegisterExtension
  final DaemonExtension conman = DaemonExtension.perMethodOn(new BridgeNetwork("cmcrash0", "10.215.3.0/24"));

  private static final int NAMES = 20;
  private static final int CLIENTS = 4;
  private static final int MIN_KILLS = 10;
  private static final Duration RPC_DEADLINE = Duration.ofSeconds(30);
  private static final Duration WAIT_DEADLINE = Duration.ofSeconds(20);
  /** How long the containers may take to settle after a restart before a disagreement counts. */
  private static final Duration SETTLE = Duration.ofSeconds(15);

  enum Op { CREATE, START, RESTART, STOP, KILL, DELETE, WAIT }

  enum KillMode { RANDOM, DURING_CREATE, DURING_START, DURING_DELETE, DURING_RECOVERY }

  // ------------------------------------------------------------------ the test

  @Test
  void acknowledgedOperationsSurviveSigkillAtRandomMoments() throws Exception {
    long soakMinutes = Long.getLong("conman.soak.minutes", 0L);
    Long given = Long.getLong("conman.seed");
    long seed = given != null ? given : new SecureRandom().nextLong();
    System.out.println("CrashConsistencyIT seed=" + seed + " (replay with -Dconman.seed=" + seed + ")"
        + (soakMinutes > 0 ? " soak " + soakMinutes + " min" : ""));
    Run run = soakMinutes > 0
        ? new Run(seed, Duration.ofMinutes(soakMinutes), Integer.MAX_VALUE, Long.MAX_VALUE)
        : new Run(seed, Duration.ofSeconds(90), 15, 20_000);
    run.execute();
  }

  // ------------------------------------------------------------------ model

  /** One container name and what the acknowledged operations say about the container holding it. */
  static final class Slot {
    final String name;
    /** Held by the one client operating on the name: operations on one name are sequential. */
    final ReentrantLock lock = new ReentrantLock();
    volatile String id;
    /** An operation whose answer was lost to a kill: the name is left alone until a check resolves it. */
    volatile String pending;
    volatile Op pendingOp;
    volatile String lastDeleted;
    volatile boolean startSent;
    volatile boolean started;
    volatile boolean signalled;
    volatile Integer exitCode;
    volatile Integer runToExit;
    volatile ContainerState lastSeen;
    volatile String command;

    Slot(String name) {
      this.name = name;
    }

    void created(Container c, Integer exitsWith, String cmd) {
      id = c.getId();
      startSent = false;
      started = false;
      signalled = false;
      exitCode = null;
      runToExit = exitsWith;
      lastSeen = c.getState();
      command = cmd;
    }

    void gone() {
      lastDeleted = id;
      id = null;
      startSent = false;
      started = false;
      signalled = false;
      exitCode = null;
      runToExit = null;
      lastSeen = null;
      command = null;
    }

    @Override
    public String toString() {
      return name + "{id=" + (id == null ? "-" : id.substring(0, 12)) + " seen=" + lastSeen
          + (started ? " started" : startSent ? " startSent" : "") + (signalled ? " signalled" : "")
          + (exitCode != null ? " exit=" + exitCode : "") + (runToExit != null ? " runToExit=" + runToExit : "")
          + (pending != null ? " PENDING " + pending : "") + "}";
    }
  }

  /** One request as sent, and its answer. */
  static final class OpRecord {
    final long seq;
    final int client;
    final Op op;
    final String what;
    final long sentNanos;
    volatile String outcome = "in flight";

    OpRecord(long seq, int client, Op op, String what) {
      this.seq = seq;
      this.client = client;
      this.op = op;
      this.what = what;
      this.sentNanos = System.nanoTime();
    }
  }

  /** The answer to one request: a response, a definite refusal, or nothing known. */
  record Outcome<T>(T value, Code code, String message, boolean unknown) {
    static <T> Outcome<T> skipped() {
      return new Outcome<>(null, null, "not sent: the daemon is down", false);
    }

    boolean ok() {
      return value != null;
    }

    /** The daemon was known to be down: nothing was sent, nothing happened. */
    boolean notSent() {
      return value == null && code == null;
    }

    boolean is(Code c) {
      return code == c;
    }
  }

  // ------------------------------------------------------------------ the run

  final class Run {
    final long seed;
    final Duration workload;
    final int killTarget;
    final long maxOps;
    final ConmanDaemon daemon = conman.daemon();
    final Slot[] slots = new Slot[NAMES];
    final ReentrantReadWriteLock gate = new ReentrantReadWriteLock(true);
    final AtomicInteger epoch = new AtomicInteger();
    volatile boolean down;
    volatile boolean stopClients;
    final AtomicReference<Op> armed = new AtomicReference<>();
    final BlockingQueue<OpRecord> triggered = new ArrayBlockingQueue<>(16);
    final java.util.concurrent.atomic.AtomicReferenceArray<OpRecord> inFlight =
        new java.util.concurrent.atomic.AtomicReferenceArray<>(CLIENTS);
    final Set<String> deletedIds = java.util.concurrent.ConcurrentHashMap.newKeySet();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final List<String> notes = new CopyOnWriteArrayList<>();
    final ArrayDeque<String> opLog = new ArrayDeque<>();
    final AtomicLong seq = new AtomicLong();
    final long t0 = System.nanoTime();
    volatile Instant lastLaunch;
    volatile int logLineAtLaunch;

    // figures
    final AtomicLong sent = new AtomicLong();
    final AtomicLong acked = new AtomicLong();
    final AtomicLong refused = new AtomicLong();
    final AtomicLong unknown = new AtomicLong();
    final Map<Op, AtomicLong> ackedByOp = new EnumMap<>(Op.class);
    final Map<KillMode, Integer> killsByMode = new EnumMap<>(KillMode.class);
    final Map<Op, Integer> killsWithOpInFlight = new EnumMap<>(Op.class);
    final Map<Op, Integer> lostAnswers = new EnumMap<>(Op.class);
    final Map<String, Integer> resolutions = new LinkedHashMap<>();
    final Map<String, Long> invariantChecks = new LinkedHashMap<>();
    int kills;
    int rounds;
    int checksDone;

    Run(long seed, Duration workload, int killTarget, long maxOps) {
      this.seed = seed;
      this.workload = workload;
      this.killTarget = killTarget;
      this.maxOps = maxOps;
      for (int i = 0; i < NAMES; i++) {
        slots[i] = new Slot(String.format("crash-%02d", i));
      }
      for (Op op : Op.values()) {
        ackedByOp.put(op, new AtomicLong());
      }
      lastLaunch = daemon.launchedAt();
    }

    void execute() throws Exception {
      conman.rootfs();
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        int n = i;
        Thread t = new Thread(() -> clientLoop(n), "crash-client-" + i);
        t.setDaemon(true);
        clients.add(t);
        t.start();
      }
      Random rnd = new Random(seed);
      long end = t0 + workload.toNanos();
      try {
        while (System.nanoTime() < end && kills < killTarget && sent.get() < maxOps && violations.isEmpty()) {
          killAndCheck(rnd);
        }
      } finally {
        stopClients = true;
        for (Thread t : clients) {
          t.join(TimeUnit.SECONDS.toMillis(60));
          if (t.isAlive()) {
            violations.add(t.getName() + " did not finish within 60 s of being told to stop (an RPC past its deadline?)");
          }
        }
      }
      if (violations.isEmpty()) {
        gate.writeLock().lock();
        try {
          check("final", false);
        } finally {
          gate.writeLock().unlock();
        }
      }
      printFigures();
      if (!violations.isEmpty()) {
        throw new AssertionError(failureReport());
      }
      assertTrue(kills >= MIN_KILLS, () -> "only " + kills + " kills in the time allowed (at least " + MIN_KILLS
          + " are required): the machine is too slow or restarts take too long\n" + failureReport());
      cleanUp();
    }

    // ---------------------------------------------------------------- the killer

    private void killAndCheck(Random rnd) throws Exception {
      KillMode mode = KillMode.values()[rounds++ % KillMode.values().length];
      boolean again = mode == KillMode.DURING_RECOVERY;
      if (again) {
        mode = KillMode.RANDOM;
      }
      ConmanDaemon.sleep(500 + rnd.nextInt(2500));
      String how = "at a random moment";
      if (mode != KillMode.RANDOM) {
        Op op = switch (mode) {
          case DURING_CREATE -> Op.CREATE;
          case DURING_START -> Op.START;
          default -> Op.DELETE;
        };
        triggered.clear();
        armed.set(op);
        OpRecord r = triggered.poll(5, TimeUnit.SECONDS);
        armed.set(null);
        if (r == null) {
          mode = KillMode.RANDOM;
          how = "at a random moment (no " + op + " was sent within 5 s)";
        } else {
          int delay = rnd.nextInt(151);
          ConmanDaemon.sleep(delay);
          how = delay + " ms after #" + r.seq + " " + r.op + " " + r.what + " was sent";
        }
      }
      down = true;
      epoch.incrementAndGet();
      List<Op> flying = new ArrayList<>();
      for (int i = 0; i < CLIENTS; i++) {
        OpRecord r = inFlight.get(i);
        if (r != null) {
          flying.add(r.op);
        }
      }
      if (!daemon.isAlive()) {
        violations.add("the daemon died by itself before kill #" + (kills + 1) + ": " + daemon.processStatus());
      }
      daemon.kill9();
      kills++;
      killsByMode.merge(mode, 1, Integer::sum);
      new LinkedHashSet<>(flying).forEach(op -> killsWithOpInFlight.merge(op, 1, Integer::sum));
      log("---- kill #" + kills + " (SIGKILL) " + how + "; in flight: " + flying);
      if (!gate.writeLock().tryLock(90, TimeUnit.SECONDS)) {
        violations.add("clients did not return within 90 s of the daemon's death (an RPC hangs past its deadline)");
        return;
      }
      try {
        logLineAtLaunch = Invariants.logLineCount(daemon);
        try {
          daemon.restart();
          lastLaunch = daemon.launchedAt();
          log("---- restarted (launched " + lastLaunch + ")");
          if (again) {
            // a second crash while the restarted daemon replays and reconciles
            int delay = rnd.nextInt(301);
            ConmanDaemon.sleep(delay);
            daemon.kill9();
            kills++;
            killsByMode.merge(KillMode.DURING_RECOVERY, 1, Integer::sum);
            log("---- kill #" + kills + " (SIGKILL) " + delay + " ms after the restarted daemon served");
            daemon.restart();
            log("---- restarted (launched " + daemon.launchedAt() + ")");
          }
        } catch (RuntimeException e) {
          violations.add("(f) the daemon did not start again after kill #" + kills + ": " + e.getMessage());
          return;
        }
        check("after kill #" + kills, true);
      } finally {
        down = false;
        gate.writeLock().unlock();
      }
    }

    // ---------------------------------------------------------------- the clients

    private void clientLoop(int client) {
      Random rnd = new Random(seed * 1_000_003L + client);
      while (!stopClients && violations.isEmpty()) {
        if (down) {
          ConmanDaemon.sleep(20);
          continue;
        }
        Slot s = pick(rnd);
        if (s == null) {
          ConmanDaemon.sleep(10);
          continue;
        }
        try {
          if (s.pending == null) {
            operate(client, s, rnd);
          }
        } catch (RuntimeException | AssertionError e) {
          violations.add("client " + client + " failed on " + s + ": " + e);
        } finally {
          s.lock.unlock();
        }
      }
    }

    private Slot pick(Random rnd) {
      int start = rnd.nextInt(NAMES);
      for (int i = 0; i < NAMES; i++) {
        Slot s = slots[(start + i) % NAMES];
        if (s.pending == null && s.lock.tryLock()) {
          return s;
        }
      }
      return null;
    }

    private void operate(int client, Slot s, Random rnd) {
      int dice = rnd.nextInt(100);
      if (s.id == null) {
        if (dice < 50) {
          create(client, s, rnd, false);
        } else if (dice < 85) {
          runToExit(client, s, rnd);
        } else {
          someOp(client, s, rnd);
        }
        return;
      }
      ContainerState seen = s.lastSeen;
      if (seen == ContainerState.CONTAINER_STATE_CREATED) {
        if (dice < 55) {
          start(client, s, rnd);
        } else if (dice < 80) {
          delete(client, s, rnd.nextBoolean(), rnd);
        } else if (dice < 88) {
          create(client, s, rnd, false);
        } else {
          someOp(client, s, rnd);
        }
      } else if (seen == ContainerState.CONTAINER_STATE_RUNNING) {
        if (dice < 30) {
          stop(client, s, rnd);
        } else if (dice < 50) {
          kill(client, s, rnd);
        } else if (dice < 80) {
          delete(client, s, true, rnd);
        } else {
          someOp(client, s, rnd);
        }
      } else {
        if (dice < 65) {
          delete(client, s, rnd.nextInt(4) == 0, rnd);
        } else {
          someOp(client, s, rnd);
        }
      }
    }

    /** Any operation, whatever the state: the refusals are checked too. */
    private void someOp(int client, Slot s, Random rnd) {
      switch (rnd.nextInt(6)) {
        case 0 -> start(client, s, rnd);
        case 5 -> restart(client, s, rnd);
        case 1 -> stop(client, s, rnd);
        case 2 -> kill(client, s, rnd);
        case 3 -> delete(client, s, rnd.nextBoolean(), rnd);
        default -> create(client, s, rnd, false);
      }
    }

    private String ref(Slot s, Random rnd) {
      int dice = rnd.nextInt(100);
      String id = s.id;
      if (id != null && dice < 20) {
        return id;
      }
      if (id != null && dice < 30) {
        return id.substring(0, 16);
      }
      return s.name;
    }

    private boolean create(int client, Slot s, Random rnd, boolean exits) {
      int n = rnd.nextInt(5) == 0 ? 0 : 1 + rnd.nextInt(120);
      List<String> cmd;
      String what;
      Integer exitsWith = null;
      if (exits) {
        boolean slow = rnd.nextBoolean();
        cmd = List.of("/bin/sh", "-c", (slow ? "sleep 0.5; " : "") + "exit " + n);
        what = (slow ? "sleep 0.5; " : "") + "exit " + n;
        exitsWith = n;
      } else if (rnd.nextBoolean()) {
        cmd = List.of("/bin/sleep", "300");
        what = "sleep 300";
      } else {
        cmd = List.of("/bin/sh", "-c", "trap 'exit 143' TERM; while :; do sleep 0.2; done");
        what = "trap loop";
      }
      boolean wasFree = s.id == null;
      CreateContainerRequest req = CreateContainerRequest.newBuilder().setName(s.name)
          .setImage(conman.rootfs().toString()).addAllCommand(cmd).putLabels("test", "crash").build();
      Integer expected = exitsWith;
      Outcome<Container> o = call(client, s, Op.CREATE, s.name + " [" + what + "]", RPC_DEADLINE,
          stub -> stub.createContainer(req).getContainer());
      if (o.notSent()) {
        return false;
      }
      if (o.ok()) {
        Container c = o.value();
        if (!wasFree) {
          violations.add("create of " + s.name + " succeeded although " + s.id + " holds the name: " + brief(c));
        }
        if (!c.getName().equals(s.name) || c.getState() != ContainerState.CONTAINER_STATE_CREATED || c.getPid() <= 0) {
          violations.add("create of " + s.name + " answered " + brief(c));
        }
        if (deletedIds.contains(c.getId())) {
          violations.add("create of " + s.name + " returned the id of a deleted container " + c.getId());
        }
        s.created(c, expected, what);
        return true;
      }
      if (o.is(Code.ALREADY_EXISTS) && wasFree) {
        long sinceLaunch = Duration.between(lastLaunch, Instant.now()).toMillis();
        String text = "create of free name " + s.name + " refused " + sinceLaunch + " ms after the last launch: "
            + o.message();
        if (sinceLaunch > 5000) {
          violations.add(text);
        } else {
          notes.add(text);
        }
      } else if (o.is(Code.INTERNAL)) {
        notes.add("create of " + s.name + " failed: " + o.message());
        if (!wasFree) {
          violations.add("create of a taken name " + s.name + " got INTERNAL, not ALREADY_EXISTS: " + o.message());
        }
      } else if (!o.unknown() && !o.is(Code.ALREADY_EXISTS)) {
        violations.add("create of " + s.name + " got " + o.code() + ": " + o.message());
      }
      return false;
    }

    private void runToExit(int client, Slot s, Random rnd) {
      if (!create(client, s, rnd, true) || stopClients) {
        return;
      }
      if (!start(client, s, rnd) || stopClients) {
        return;
      }
      String ref = ref(s, rnd);
      String id = s.id;
      Outcome<Container> o = call(client, s, Op.WAIT, ref, WAIT_DEADLINE,
          stub -> stub.waitContainer(WaitContainerRequest.newBuilder().setRef(ref).build()).getContainer());
      if (o.notSent()) {
        return;
      }
      if (o.ok()) {
        Container c = o.value();
        expectSame(s, id, c, "wait");
        if (c.getState() != ContainerState.CONTAINER_STATE_EXITED) {
          violations.add("wait on " + s.name + " answered " + brief(c) + ", not EXITED");
        } else if (!c.hasExitCode()) {
          notes.add("wait on " + s + " answered EXITED with an unknown exit code: " + c.getMessage());
        } else {
          s.exitCode = c.getExitCode();
          if (!s.signalled && s.runToExit != null && c.getExitCode() != s.runToExit) {
            violations.add("run-to-exit " + s + " exited with " + c.getExitCode() + ", its command exits "
                + s.runToExit + " and nobody signalled it");
          }
        }
        s.lastSeen = c.getState();
      } else if (!o.unknown()) {
        violations.add("wait on " + s + " got " + o.code() + ": " + o.message());
      }
    }

    private boolean start(int client, Slot s, Random rnd) {
      String ref = ref(s, rnd);
      String id = s.id;
      if (id != null) {
        s.startSent = true;
      }
      Outcome<Container> o = call(client, s, Op.START, ref, RPC_DEADLINE,
          stub -> stub.startContainer(StartContainerRequest.newBuilder().setRef(ref).build()).getContainer());
      return ranAgain(s, id, o, "start");
    }

    /** A restart: a stop (a signal to the run, if it runs), then a start, in one request. */
    private void restart(int client, Slot s, Random rnd) {
      String ref = ref(s, rnd);
      String id = s.id;
      int timeout = rnd.nextInt(3);
      if (id != null) {
        s.startSent = true;
        s.signalled = true;
      }
      Outcome<Container> o = call(client, s, Op.RESTART, ref + " timeout " + timeout, RPC_DEADLINE,
          stub -> stub.restartContainer(RestartContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(timeout)
              .build()).getContainer());
      ranAgain(s, id, o, "restart");
    }

    /** What the answer to a start or a restart says: the container runs, or its short run has ended. */
    private boolean ranAgain(Slot s, String id, Outcome<Container> o, String op) {
      if (o.ok()) {
        Container c = o.value();
        expectSame(s, id, c, op);
        // a start of an exited container runs it again: the last run's exit code no longer holds
        s.exitCode = null;
        if (c.getState() == ContainerState.CONTAINER_STATE_EXITED && c.hasExitCode()) {
          // a short command ended before runc start returned: its exit comes with the start
          s.exitCode = c.getExitCode();
          if (!s.signalled && s.runToExit != null && c.getExitCode() != s.runToExit) {
            violations.add("run-to-exit " + s + " exited with " + c.getExitCode() + " at its " + op
                + ", its command exits " + s.runToExit);
          }
        } else if (c.getState() != ContainerState.CONTAINER_STATE_RUNNING || c.getPid() <= 0) {
          violations.add(op + " of " + s.name + " answered " + brief(c));
        }
        s.started = true;
        s.lastSeen = c.getState();
        return true;
      }
      expectRefusal(s, id, o, op, Code.FAILED_PRECONDITION);
      if (o.is(Code.INTERNAL)) {
        s.lastSeen = ContainerState.CONTAINER_STATE_FAILED;
      }
      return false;
    }

    private void stop(int client, Slot s, Random rnd) {
      String ref = ref(s, rnd);
      String id = s.id;
      int timeout = rnd.nextInt(3);
      if (id != null) {
        s.signalled = true;
      }
      Outcome<Container> o = call(client, s, Op.STOP, ref + " timeout " + timeout, RPC_DEADLINE,
          stub -> stub.stopContainer(StopContainerRequest.newBuilder().setRef(ref).setTimeoutSeconds(timeout).build())
              .getContainer());
      if (o.ok()) {
        Container c = o.value();
        expectSame(s, id, c, "stop");
        if (c.getState() == ContainerState.CONTAINER_STATE_EXITED) {
          if (c.hasExitCode()) {
            s.exitCode = c.getExitCode();
          }
        } else if (c.getState() != ContainerState.CONTAINER_STATE_FAILED
            && c.getState() != ContainerState.CONTAINER_STATE_UNKNOWN) {
          violations.add("stop of " + s.name + " answered " + brief(c) + ", not a finished state");
        }
        s.lastSeen = c.getState();
        return;
      }
      expectRefusal(s, id, o, "stop", Code.FAILED_PRECONDITION);
    }

    private void kill(int client, Slot s, Random rnd) {
      String ref = ref(s, rnd);
      String id = s.id;
      String signal = List.of("KILL", "SIGKILL", "9", "TERM", "15").get(rnd.nextInt(5));
      if (id != null) {
        s.signalled = true;
      }
      Outcome<Container> o = call(client, s, Op.KILL, ref + " " + signal, RPC_DEADLINE,
          stub -> stub.killContainer(KillContainerRequest.newBuilder().setRef(ref).setSignal(signal).build())
              .getContainer());
      if (o.ok()) {
        expectSame(s, id, o.value(), "kill");
        s.lastSeen = o.value().getState();
        return;
      }
      expectRefusal(s, id, o, "kill", Code.FAILED_PRECONDITION);
    }

    private void delete(int client, Slot s, boolean force, Random rnd) {
      String ref = rnd.nextInt(20) == 0 && s.lastDeleted != null ? s.lastDeleted : ref(s, rnd);
      String id = s.id;
      boolean stale = !ref.equals(s.name) && (id == null || !id.startsWith(ref));
      if (id != null && force) {
        s.signalled = true;
      }
      Outcome<String> o = call(client, s, Op.DELETE, ref + (force ? " force" : ""), RPC_DEADLINE,
          stub -> stub.deleteContainer(DeleteContainerRequest.newBuilder().setRef(ref).setForce(force).build()).getId());
      if (o.ok()) {
        if (stale) {
          violations.add("delete of the deleted container " + ref + " succeeded: " + o.value());
        } else if (!o.value().equals(id)) {
          violations.add("delete of " + s + " deleted " + o.value());
        } else {
          deletedIds.add(id);
          s.gone();
        }
        return;
      }
      if (o.notSent()) {
        return;
      }
      if (stale) {
        if (!o.unknown() && !o.is(Code.NOT_FOUND)) {
          violations.add("delete of the deleted container " + ref + " got " + o.code() + ", not NOT_FOUND: " + o.message());
        }
        return;
      }
      expectRefusal(s, id, o, "delete", Code.FAILED_PRECONDITION);
    }

    private void expectSame(Slot s, String id, Container c, String op) {
      if (id == null) {
        violations.add(op + " of " + s.name + " succeeded though no container holds the name: " + brief(c));
      } else if (!c.getId().equals(id)) {
        violations.add(op + " of " + s + " answered for another container: " + brief(c));
      }
    }

    /** A refusal must fit the model: NOT_FOUND exactly when no container holds the name. */
    private void expectRefusal(Slot s, String id, Outcome<?> o, String op, Code allowed) {
      if (o.unknown() || o.ok() || o.notSent()) {
        return;
      }
      if (o.is(Code.NOT_FOUND)) {
        if (id != null) {
          violations.add(op + " of " + s + " got NOT_FOUND: " + o.message());
        }
      } else if (id == null) {
        violations.add(op + " of free name " + s.name + " got " + o.code() + ", not NOT_FOUND: " + o.message());
      } else if (o.is(Code.INTERNAL)) {
        notes.add(op + " of " + s + " failed in runc: " + o.message());
      } else if (!o.is(allowed)) {
        violations.add(op + " of " + s + " got " + o.code() + ": " + o.message());
      }
    }

    /**
     * Sends one request, unless the daemon is down, and records it and its answer. A failure that is
     * not an answer (the daemon died, the call was cut) marks the name pending until the next check.
     */
    private <T> Outcome<T> call(int client, Slot s, Op op, String what, Duration deadline,
        Function<RuntimeServiceBlockingStub, T> rpc) {
      gate.readLock().lock();
      try {
        ManagedChannel channel = daemon.channel();
        int myEpoch = epoch.get();
        if (channel == null || down) {
          return Outcome.skipped();
        }
        OpRecord rec = new OpRecord(seq.incrementAndGet(), client, op, what);
        inFlight.set(client, rec);
        sent.incrementAndGet();
        if (armed.get() == op && armed.compareAndSet(op, null)) {
          triggered.offer(rec);
        }
        try {
          T value = rpc.apply(RuntimeServiceGrpc.newBlockingStub(channel)
              .withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
          acked.incrementAndGet();
          ackedByOp.get(op).incrementAndGet();
          finish(rec, "OK " + summary(value));
          return new Outcome<>(value, Code.OK, null, false);
        } catch (StatusRuntimeException e) {
          Code code = e.getStatus().getCode();
          String message = e.getStatus().getDescription();
          boolean killed = myEpoch != epoch.get() || down;
          boolean answer = code == Code.NOT_FOUND || code == Code.ALREADY_EXISTS || code == Code.FAILED_PRECONDITION
              || code == Code.INVALID_ARGUMENT || (code == Code.INTERNAL && !killed);
          if (answer) {
            refused.incrementAndGet();
            finish(rec, code + " " + message);
            return new Outcome<>(null, code, message, false);
          }
          if (!killed) {
            violations.add("#" + rec.seq + " " + op + " " + what + " failed with " + e.getStatus()
                + " while the daemon was up");
          }
          unknown.incrementAndGet();
          lostAnswers.merge(op, 1, Integer::sum);
          s.pending = "#" + rec.seq + " " + op + " " + what;
          s.pendingOp = op;
          finish(rec, "NO ANSWER (" + code + "): outcome unknown, " + s.name + " pending");
          return new Outcome<>(null, code, message, true);
        } finally {
          inFlight.set(client, null);
        }
      } finally {
        gate.readLock().unlock();
      }
    }

    private void finish(OpRecord rec, String outcome) {
      rec.outcome = outcome;
      log(String.format("#%d %6.3fs c%d %s %s -> %s (%d ms)", rec.seq, (rec.sentNanos - t0) / 1e9, rec.client, rec.op,
          rec.what, outcome, (System.nanoTime() - rec.sentNanos) / 1_000_000));
    }

    private void log(String line) {
      synchronized (opLog) {
        opLog.addLast(line);
        while (opLog.size() > 3000) {
          opLog.removeFirst();
        }
      }
    }

    // ---------------------------------------------------------------- the checks

    /** Runs with the clients held back (the gate is closed): nothing is in flight. */
    private void check(String when, boolean afterRestart) {
      checksDone++;
      List<String> v = new ArrayList<>();
      // (b) (c) (d) (e), given time to settle
      Invariants.Result host = Invariants.settleAndCheck(daemon, SETTLE);
      count("b-e host agrees with the listing", host.checksMade());
      v.addAll(host.violations());
      Map<String, Container> byName = new LinkedHashMap<>();
      Map<String, Container> byId = new LinkedHashMap<>();
      for (Container c : host.listed()) {
        byName.put(c.getName(), c);
        byId.put(c.getId(), c);
      }
      // (a): resolve what the kill left unknown, then compare every name with the model
      Set<String> idsBefore = new LinkedHashSet<>();
      for (Slot s : slots) {
        if (s.id != null) {
          idsBefore.add(s.id);
        }
        Container c = byName.get(s.name);
        if (s.pending != null) {
          resolve(s, c, v);
        }
        count("a acknowledged operations reflected", 1);
        if (s.id == null && c != null) {
          v.add("(a) " + s + " holds no container by the acknowledged operations, yet " + brief(c) + " is listed");
        } else if (s.id != null && c == null) {
          v.add("(a) the acknowledged " + s + " is not listed");
        } else if (s.id != null && !c.getId().equals(s.id)) {
          v.add("(a) " + s + " should hold " + s.id + " but " + brief(c) + " is listed");
        } else if (c != null) {
          expectState(s, c, v);
          s.lastSeen = c.getState();
        }
      }
      Set<String> names = new java.util.HashSet<>();
      for (Slot s : slots) {
        names.add(s.name);
      }
      for (Container c : host.listed()) {
        if (!names.contains(c.getName())) {
          v.add("(a) a container nobody created is listed: " + brief(c));
        }
      }
      for (String id : deletedIds) {
        count("a acknowledged deletes gone", 1);
        if (byId.containsKey(id)) {
          v.add("(a) the deleted container " + id + " is listed: " + brief(byId.get(id)));
        }
      }
      List<String> recentDeleted = new ArrayList<>(deletedIds);
      for (String id : recentDeleted.subList(Math.max(0, recentDeleted.size() - 10), recentDeleted.size())) {
        count("a acknowledged deletes gone", 1);
        try {
          Container c = rt().getContainer(GetContainerRequest.newBuilder().setRef(id).build()).getContainer();
          v.add("(a) the deleted container " + id + " is still found: " + brief(c));
        } catch (StatusRuntimeException e) {
          if (e.getStatus().getCode() != Code.NOT_FOUND) {
            v.add("(a) GetContainer of the deleted " + id + " got " + e.getStatus() + ", not NOT_FOUND");
          }
        }
      }
      // (f) and (g): the journal of every container listed now or known before the kill
      Set<String> journaled = new LinkedHashSet<>(idsBefore);
      journaled.addAll(byId.keySet());
      for (String id : journaled) {
        checkJournal(id, byId.get(id), afterRestart, v);
      }
      if (afterRestart) {
        List<String> errors = Invariants.logLines(daemon, logLineAtLaunch, l -> l.contains(" ERROR "));
        for (String e : errors) {
          if (e.matches("(?i).*(persist|journal|jdbc|sql|recover|replay|serializ|reconcile).*")) {
            v.add("(f) the restarted daemon logged: " + e);
          } else {
            notes.add("the restarted daemon logged: " + e);
          }
        }
      }
      log("---- check " + when + ": " + host.listed().size() + " listed, " + host.runc().size() + " in runc, "
          + host.conmons().size() + " conmon; " + (v.isEmpty() ? "all invariants hold" : v.size() + " violations"));
      if (!v.isEmpty()) {
        violations.add("check " + when + " found:\n  - " + String.join("\n  - ", v) + "\n  model: "
            + java.util.Arrays.toString(slots) + "\n  listed: " + host.listed().stream().map(CrashConsistencyIT::brief).toList()
            + "\n  runc: " + host.runc().values());
      }
    }

    /** Decides, from the listing, what a request whose answer was lost did. */
    private void resolve(Slot s, Container c, List<String> v) {
      String what = s.pending;
      Op op = s.pendingOp;
      String id = s.id;
      String took;
      switch (op) {
        case CREATE -> {
          if (id != null) {
            // a create of a taken name: it cannot have done anything
            took = "create on a taken name: nothing";
          } else if (c == null) {
            took = "create did not happen";
          } else if (deletedIds.contains(c.getId())) {
            v.add("(a) after " + what + " the deleted container " + c.getId() + " is listed again");
            took = "?";
          } else {
            Integer exits = what.contains("exit ") ? Integer.valueOf(what.replaceAll(".*exit (\\d+).*", "$1")) : null;
            s.created(c, exits, what);
            s.started = c.getState() != ContainerState.CONTAINER_STATE_CREATED;
            took = "create happened";
          }
        }
        case DELETE -> {
          if (id == null) {
            took = "delete of nothing";
          } else if (c == null) {
            deletedIds.add(id);
            s.gone();
            took = "delete happened";
          } else {
            took = c.getId().equals(id) ? "delete did not happen" : "?";
          }
        }
        case START, RESTART -> {
          // it may have run an exited container again: its last exit code may no longer hold
          s.exitCode = null;
          if (c != null && c.getState() != ContainerState.CONTAINER_STATE_CREATED) {
            s.started = true;
            took = "start happened";
          } else {
            // a start of an exited container cut short between runc create and start leaves it
            // created: as if never started, it waits for a start
            s.started = false;
            took = "start did not happen";
          }
        }
        default -> took = op.name().toLowerCase() + " (no change of existence)";
      }
      resolutions.merge(op + ": " + took, 1, Integer::sum);
      log("     resolved " + what + ": " + took + " -> " + (c == null ? "not listed" : brief(c)));
      s.pending = null;
      s.pendingOp = null;
    }

    /** What the acknowledged answers say about the state of the container that holds a name. */
    private void expectState(Slot s, Container c, List<String> v) {
      ContainerState st = c.getState();
      count("a acknowledged outcomes stick", 1);
      if (s.exitCode != null && (st != ContainerState.CONTAINER_STATE_EXITED || !c.hasExitCode()
          || c.getExitCode() != s.exitCode)) {
        v.add("(a) " + s + " was acknowledged EXITED with " + s.exitCode + " but is " + brief(c));
      }
      if (s.started && st == ContainerState.CONTAINER_STATE_CREATED) {
        v.add("(a) " + s + " was started but is CREATED again: " + brief(c));
      }
      if (!s.startSent && !s.started && st != ContainerState.CONTAINER_STATE_CREATED) {
        v.add("(a) nobody started " + s + " but it is " + brief(c));
      }
      if (s.runToExit != null && !s.signalled && st == ContainerState.CONTAINER_STATE_EXITED && c.hasExitCode()
          && c.getExitCode() != s.runToExit) {
        v.add("(a) " + s + " runs a command that exits " + s.runToExit + ", nobody signalled it, but it is " + brief(c));
      }
    }

    /** (f) the history replays to the listed state; (g) after a restart only reconciliations were journaled. */
    private void checkJournal(String id, Container listed, boolean afterRestart, List<String> v) {
      List<Event> events;
      try {
        events = EventServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
            .history(HistoryRequest.newBuilder().setRef(id).build()).getEventsList();
      } catch (StatusRuntimeException e) {
        v.add("(f) History of " + id + " failed: " + e.getStatus());
        return;
      }
      count("f history replays", 1);
      if (events.isEmpty() || !events.get(0).getType().equals("create_requested")) {
        v.add("(f) the history of " + id + " does not start with create_requested: " + types(events));
        return;
      }
      for (int i = 0; i < events.size(); i++) {
        Event e = events.get(i);
        if (e.getSequence() != i + 1 || !e.getContainerId().equals(id)) {
          v.add("(f) event " + (i + 1) + " of " + id + " is " + e.getType() + " seq " + e.getSequence() + " of "
              + e.getContainerId());
          return;
        }
      }
      Event last = events.get(events.size() - 1);
      if (listed != null) {
        Container then = statusAt(id, last.getSequence(), v);
        count("f history replays", 1);
        if (then != null && (then.getState() != listed.getState() || then.hasExitCode() != listed.hasExitCode()
            || then.getExitCode() != listed.getExitCode() || then.getPid() != listed.getPid())) {
          v.add("(f) replaying the history of " + Invariants.describe(listed) + " " + types(events) + " gives "
              + brief(then) + " but the daemon lists " + brief(listed));
        }
      } else if (!Set.of("deleted", "reconciled").contains(last.getType())) {
        v.add("(f) " + id + " is not listed but its history ends with " + last.getType() + ": " + types(events));
      }
      if (!afterRestart) {
        return;
      }
      Instant launch = lastLaunch;
      for (Event e : events) {
        Instant at = Instant.ofEpochSecond(e.getTime().getSeconds(), e.getTime().getNanos());
        if (at.isBefore(launch)) {
          continue;
        }
        count("g restart findings journaled as reconciled", 1);
        Container before = statusAt(id, e.getSequence() - 1, v);
        if (before == null) {
          return;
        }
        ContainerState was = before.getState();
        switch (e.getType()) {
          case "reconciled" -> {
            Container after = statusAt(id, e.getSequence(), v);
            if (e.getFromState() != was || (after != null && e.getToState() != after.getState())) {
              v.add("(g) reconciled event " + e.getSequence() + " of " + id + " says " + e.getFromState() + " -> "
                  + e.getToState() + " but the replay goes from " + was + " to " + (after == null ? "?" : after.getState()));
            }
          }
          case "exited" -> {
            Instant finished = Instant.ofEpochSecond(e.getFinishedAt().getSeconds(), e.getFinishedAt().getNanos());
            if (was != ContainerState.CONTAINER_STATE_DELETING && finished.isBefore(launch.minusMillis(50))) {
              v.add("(g) " + id + " ended at " + finished + ", while the daemon was down (launched " + launch
                  + "), but the restart journaled it as `exited`, not `reconciled`: " + types(events));
            }
          }
          case "deleted" -> {
            if (was != ContainerState.CONTAINER_STATE_DELETING) {
              v.add("(g) " + id + " was deleted at restart from " + was + " without a delete in progress");
            }
          }
          case "network_attached" -> {
            // a create (or a start of an exited container) cut short after the network was
            // attached: found created or running, with its address
            if (was != ContainerState.CONTAINER_STATE_CREATING && was != ContainerState.CONTAINER_STATE_STARTING) {
              v.add("(g) the restart journaled an address for " + id + ", which was " + was + ": " + types(events));
            }
          }
          case "network_detached" -> {
            // the address of a container that will not run again goes back, as part of a delete in
            // progress or after its end (found at restart, or journaled before the kill)
            if (was != ContainerState.CONTAINER_STATE_DELETING && was != ContainerState.CONTAINER_STATE_EXITED
                && was != ContainerState.CONTAINER_STATE_FAILED && was != ContainerState.CONTAINER_STATE_UNKNOWN) {
              v.add("(g) the restart released the address of " + id + ", which was " + was + ": " + types(events));
            }
          }
          default -> v.add("(g) the restarted daemon journaled " + e.getType() + " (seq " + e.getSequence() + ") for "
              + id + " before any client spoke to it: " + types(events));
        }
      }
    }

    private Container statusAt(String id, long sequence, List<String> v) {
      try {
        return EventServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS)
            .statusAt(StatusAtRequest.newBuilder().setRef(id).setSequence(sequence).build()).getContainer();
      } catch (StatusRuntimeException e) {
        v.add("(f) StatusAt(" + id + ", sequence " + sequence + ") failed: " + e.getStatus());
        return null;
      }
    }

    private RuntimeServiceBlockingStub rt() {
      return RuntimeServiceGrpc.newBlockingStub(daemon.channel()).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    private void count(String invariant, long n) {
      invariantChecks.merge(invariant, n, Long::sum);
    }

    // ---------------------------------------------------------------- report and clean-up

    private void printFigures() {
      System.out.println(figures());
    }

    String figures() {
      StringBuilder b = new StringBuilder();
      b.append("CrashConsistencyIT seed=").append(seed).append(" (-Dconman.seed=").append(seed).append(")\n");
      b.append(String.format("  %.1f s, %d kills by mode %s; kills with a request in flight: %s%n",
          (System.nanoTime() - t0) / 1e9, kills, killsByMode, killsWithOpInFlight));
      b.append(String.format("  requests sent %d: acknowledged %d %s, refused %d, answer lost %d %s%n",
          sent.get(), acked.get(), ackedByOp, refused.get(), unknown.get(), lostAnswers));
      b.append("  lost answers resolved: ").append(resolutions).append('\n');
      b.append("  checks ").append(checksDone).append(", invariant checks: ").append(invariantChecks).append('\n');
      b.append("  result: ").append(violations.isEmpty() ? "all invariants held" : violations.size() + " violations");
      if (!notes.isEmpty()) {
        b.append("\n  notes (").append(notes.size()).append("):\n    ")
            .append(String.join("\n    ", notes.subList(0, Math.min(20, notes.size()))));
      }
      return b.toString();
    }

    String failureReport() {
      List<String> tail;
      synchronized (opLog) {
        List<String> all = new ArrayList<>(opLog);
        tail = all.subList(Math.max(0, all.size() - 80), all.size());
      }
      return "CrashConsistencyIT seed=" + seed + " (replay with -Dconman.seed=" + seed + "): "
          + String.join("\n", violations) + "\n" + figures()
          + "\n---- last " + tail.size() + " operations ----\n" + String.join("\n", tail)
          + "\n" + daemon.logTail(80);
    }

    private void cleanUp() {
      for (Container c : Invariants.list(daemon.channel())) {
        rt().deleteContainer(DeleteContainerRequest.newBuilder().setRef(c.getId()).setForce(true).build());
      }
      // every container is deleted: what per-container files are left behind? (reported, not failed)
      Support.await("runc's root empty after deleting everything", Duration.ofSeconds(10),
          () -> Invariants.runcList(daemon).isEmpty() && Invariants.conmons(daemon).isEmpty());
      ConmanDaemon.sleep(500);
      List<String> left = new ArrayList<>();
      for (java.nio.file.Path dir : List.of(daemon.exits(), daemon.state().resolve("conmon"), daemon.state().resolve("attach"),
          daemon.state().resolve("bundles"), daemon.root().resolve("containers"))) {
        try (var files = java.nio.file.Files.list(dir)) {
          files.forEach(f -> left.add(daemon.dir().relativize(f).toString()));
        } catch (java.io.IOException ignored) {
          // no such directory: nothing left there
        }
      }
      System.out.println("CrashConsistencyIT: per-container files left after deleting every container: " + left.size()
          + (left.isEmpty() ? "" : " " + left.subList(0, Math.min(10, left.size()))));
    }
  }

  // ------------------------------------------------------------------ helpers

  static String brief(Container c) {
    return c.getName() + "/" + c.getId().substring(0, Math.min(12, c.getId().length())) + " "
        + c.getState().name().replace("CONTAINER_STATE_", "") + (c.getPid() > 0 ? " pid " + c.getPid() : "")
        + (c.hasExitCode() ? " exit " + c.getExitCode() : "")
        + (c.getMessage().isEmpty() ? "" : " (" + c.getMessage() + ")");
  }

  private static String summary(Object value) {
    return value instanceof Container c ? brief(c) : String.valueOf(value);
  }

  private static String types(List<Event> events) {
    return events.stream().map(e -> e.getType().equals("reconciled")
        ? "reconciled(" + e.getFromState().name().replace("CONTAINER_STATE_", "") + "->"
            + e.getToState().name().replace("CONTAINER_STATE_", "") + ")"
        : e.getType()).toList().toString();
  }
}
