package dev.conman.reconcile;

/**
 * What the journal claims about a container's presence in runc, as of the last replayed event.
 * Only phases that make such a claim are here: terminal phases (exited, deleted, ...) claim
 * nothing that runc could contradict.
 */
public enum Belief {
  /** CreateRequested without an outcome: the daemon died during runc create. */
  CREATING,
  CREATED,
  /** StartRequested without an outcome: the daemon died during the start. */
  STARTING,
  RUNNING,
  PAUSED,
  /** StopRequested without an exit: the daemon died while stopping. */
  STOPPING,
  /** DeleteRequested without Deleted: the daemon died while deleting. */
  DELETING
}
