package dev.conman.actors;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;

/**
 * Who waits for an event-sourced actor's journal write, so that a write the journal refuses (its
 * disk is full, its file system read-only) is answered at once instead of leaving the caller to its
 * ask timeout.
 *
 * <p>Pekko persists the events of one command at a time and stashes every other command until the
 * journal has answered, so when a write fails (the {@code JournalPersistFailed} signal) it is the
 * write of the command handled last. Pekko then restarts the actor from its journal, which still
 * holds the state from before that command: the caller is told that nothing of it was recorded.
 */
final class JournalWrites<C> {

  /** A command whose caller waits for an answer. */
  interface Awaited {
    ActorRef<? extends StatusReply<?>> replyTo();
  }

  private C handling;

  /** {@code command} is being handled: the events it persists, if any, are its. */
  void handling(C command) {
    handling = command;
  }

  /**
   * The journal refused the events of the command handled last: its caller, if one waits, is told
   * the error {@code why} makes of that command. Returns the command (null if there is none),
   * forgotten from now on.
   */
  C refused(java.util.function.Function<C, ContainerException> why) {
    C command = handling;
    handling = null;
    if (command instanceof Awaited awaited) {
      tellError(awaited.replyTo(), why.apply(command));
    }
    return command;
  }

  @SuppressWarnings("unchecked")
  private static void tellError(ActorRef<? extends StatusReply<?>> replyTo, ContainerException error) {
    // an error reply fits every StatusReply, whatever its success type
    ((ActorRef<StatusReply<Object>>) replyTo).tell(StatusReply.error(error));
  }
}
