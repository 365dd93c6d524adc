package dev.conman.reconcile;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.conman.runc.ExitRecord;
import dev.conman.runc.RuntimeState;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ReconciliationTest {

  private static final Instant NOW = Instant.parse("2026-01-01T00:00:00Z");
  private static final Instant EXITED_AT = Instant.parse("2025-12-31T23:00:00Z");

  private static Observation runc(RuntimeState.Status status, int pid) {
    return new Observation(Optional.of(new RuntimeState("c", status, pid, NOW)), Optional.empty());
  }

  private static Observation exitFile(int code) {
    return new Observation(Optional.of(new RuntimeState("c", RuntimeState.Status.STOPPED, 0, NOW)),
        Optional.of(new ExitRecord(code, EXITED_AT)));
  }

  private static final Observation NOTHING = new Observation(Optional.empty(), Optional.empty());

  @Test
  void exitFileGivesTheRealExitCodeAndTime() {
    Finding f = Reconciliation.decide(Belief.RUNNING, exitFile(7), NOW);
    Finding.NowExited exited = assertInstanceOf(Finding.NowExited.class, f);
    assertEquals(7, exited.exitCode());
    assertEquals(EXITED_AT, exited.finishedAt());
  }

  @Test
  void runningWithoutExitFileIsUnknownNeverZero() {
    for (Observation seen : new Observation[] {NOTHING, runc(RuntimeState.Status.STOPPED, 0)}) {
      Finding.NowExited exited = assertInstanceOf(Finding.NowExited.class,
          Reconciliation.decide(Belief.RUNNING, seen, NOW));
      assertNull(exited.exitCode());
    }
  }

  @Test
  void runningAsJournaledIsUnchanged() {
    assertInstanceOf(Finding.Unchanged.class,
        Reconciliation.decide(Belief.RUNNING, runc(RuntimeState.Status.RUNNING, 42), NOW));
    assertInstanceOf(Finding.Unchanged.class,
        Reconciliation.decide(Belief.CREATED, runc(RuntimeState.Status.CREATED, 42), NOW));
  }

  @Test
  void interruptedCreateEitherHappenedOrNot() {
    Finding.NowCreated created = assertInstanceOf(Finding.NowCreated.class,
        Reconciliation.decide(Belief.CREATING, runc(RuntimeState.Status.CREATED, 42), NOW));
    assertEquals(42, created.pid());
    assertInstanceOf(Finding.NeverCreated.class, Reconciliation.decide(Belief.CREATING, NOTHING, NOW));
  }

  @Test
  void interruptedCreateWithStartMayHaveStartedOrEndedToo() {
    Finding.NowRunning running = assertInstanceOf(Finding.NowRunning.class,
        Reconciliation.decide(Belief.CREATING, runc(RuntimeState.Status.RUNNING, 42), NOW));
    assertEquals(42, running.pid());
    assertInstanceOf(Finding.NowExited.class, Reconciliation.decide(Belief.CREATING, exitFile(3), NOW));
  }

  @Test
  void interruptedStartEitherHappenedOrNot() {
    Finding.NowRunning running = assertInstanceOf(Finding.NowRunning.class,
        Reconciliation.decide(Belief.STARTING, runc(RuntimeState.Status.RUNNING, 42), NOW));
    assertEquals(42, running.pid());
    assertInstanceOf(Finding.NowCreated.class,
        Reconciliation.decide(Belief.STARTING, runc(RuntimeState.Status.CREATED, 42), NOW));
    assertInstanceOf(Finding.NowExited.class, Reconciliation.decide(Belief.STARTING, exitFile(0), NOW));
  }

  @Test
  void interruptedStopOfAStillRunningContainerIsRunning() {
    assertInstanceOf(Finding.NowRunning.class,
        Reconciliation.decide(Belief.STOPPING, runc(RuntimeState.Status.RUNNING, 42), NOW));
    assertInstanceOf(Finding.NowExited.class, Reconciliation.decide(Belief.STOPPING, exitFile(137), NOW));
  }

  @Test
  void pausedOrResumedWithoutTheDaemonIsWhatRuncSays() {
    assertInstanceOf(Finding.Unchanged.class,
        Reconciliation.decide(Belief.PAUSED, runc(RuntimeState.Status.PAUSED, 42), NOW));
    Finding.NowPaused paused = assertInstanceOf(Finding.NowPaused.class,
        Reconciliation.decide(Belief.RUNNING, runc(RuntimeState.Status.PAUSED, 42), NOW));
    assertEquals(42, paused.pid());
    assertInstanceOf(Finding.NowPaused.class,
        Reconciliation.decide(Belief.STOPPING, runc(RuntimeState.Status.PAUSED, 42), NOW));
    Finding.NowRunning resumed = assertInstanceOf(Finding.NowRunning.class,
        Reconciliation.decide(Belief.PAUSED, runc(RuntimeState.Status.RUNNING, 42), NOW));
    assertTrue(resumed.reason().contains("resumed without the daemon"), resumed.reason());
    assertInstanceOf(Finding.NowExited.class, Reconciliation.decide(Belief.PAUSED, exitFile(137), NOW));
    Finding.NowExited gone = assertInstanceOf(Finding.NowExited.class, Reconciliation.decide(Belief.PAUSED, NOTHING, NOW));
    assertEquals(null, gone.exitCode(), "never a made-up 0");
  }

  @Test
  void createdContainerThatVanishedIsLost() {
    assertInstanceOf(Finding.Lost.class, Reconciliation.decide(Belief.CREATED, NOTHING, NOW));
  }

  @Test
  void interruptedDeleteIsResumed() {
    assertInstanceOf(Finding.ResumeDelete.class, Reconciliation.decide(Belief.DELETING, NOTHING, NOW));
  }
}
