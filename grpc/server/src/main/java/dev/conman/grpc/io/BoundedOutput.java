package dev.conman.grpc.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;

/** Drains a stream, keeping at most {@code max} bytes: a chatty process cannot exhaust the daemon's memory. */
final class BoundedOutput {

  private final ByteArrayOutputStream kept = new ByteArrayOutputStream();
  private final int max;
  private boolean truncated;

  BoundedOutput(int max) {
    this.max = max;
  }

  /** Reads {@code in} to its end (so the process never blocks on a full pipe). */
  void drain(InputStream in) throws IOException {
    byte[] chunk = new byte[32 * 1024];
    int n;
    while ((n = in.read(chunk)) >= 0) {
      int room = Math.max(0, max - kept.size());
      kept.write(chunk, 0, Math.min(n, room));
      truncated |= n > room;
    }
  }

  synchronized byte[] bytes() {
    return kept.toByteArray();
  }

  boolean truncated() {
    return truncated;
  }
}
