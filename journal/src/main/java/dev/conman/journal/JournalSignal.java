package dev.conman.journal;

/**
 * Tells readers of the journal that something was written, so that a live subscriber learns of an
 * event as soon as it is durable instead of at its next poll. Writers call {@link #written()} once
 * the journal has confirmed a write; readers wait with {@link #await(long)}, which also returns
 * after the timeout, so a missed signal costs at most one poll interval, never an event.
 */
public final class JournalSignal {

  private long writes;

  public synchronized void written() {
    writes++;
    notifyAll();
  }

  /** Waits until a write is signalled after {@code seen}, or {@code millis} pass; returns the write count. */
  public synchronized long await(long seen, long millis) throws InterruptedException {
    long deadline = System.currentTimeMillis() + millis;
    while (writes == seen) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0) {
        break;
      }
      wait(left);
    }
    return writes;
  }

  public synchronized long writes() {
    return writes;
  }
}
