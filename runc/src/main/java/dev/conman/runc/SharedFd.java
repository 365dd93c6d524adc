package dev.conman.runc;

import java.util.function.IntConsumer;

/**
 * A file descriptor that one thread may block in (a read) while others use and close it: it is
 * released only once no call uses it any more, so that a number reused by the kernel for another
 * file is never read or closed by mistake. Each use is {@link #enter} ... {@link #exit}.
 */
final class SharedFd {

  private final int fd;
  private int users;
  private boolean closing;
  private boolean released;

  SharedFd(int fd) {
    this.fd = fd;
  }

  int fd() {
    return fd;
  }

  /** Begins a use; false once closing (the caller must then not use the descriptor, nor exit). */
  synchronized boolean enter() {
    if (closing) {
      return false;
    }
    users++;
    return true;
  }

  /** Ends a use begun by a successful {@link #enter}. */
  synchronized void exit() {
    users--;
    releaseIfUnused();
  }

  /** Whether {@link #close} was called: a failure of a use is then the close, not an error. */
  synchronized boolean isClosing() {
    return closing;
  }

  /**
   * The first time: {@code wake} the blocked calls (given the descriptor, still open), then release
   * the descriptor at once or when the last use exits. Later calls do nothing.
   */
  synchronized void close(IntConsumer wake) {
    if (closing) {
      return;
    }
    closing = true;
    wake.accept(fd);
    releaseIfUnused();
  }

  private void releaseIfUnused() {
    if (closing && users == 0 && !released) {
      released = true;
      Libc.closeQuietly(fd);
    }
  }
}
