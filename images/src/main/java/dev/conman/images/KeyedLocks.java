package dev.conman.images;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;

/** One mutex per key (a digest, a chain id), created on demand and dropped when unused. */
final class KeyedLocks {

  private static final class Entry {
    final ReentrantLock lock = new ReentrantLock();
    int users;
  }

  private final ConcurrentHashMap<String, Entry> locks = new ConcurrentHashMap<>();

  /** A held lock; close to release. */
  interface Held extends AutoCloseable {
    @Override
    void close();
  }

  Held lock(String key) {
    Entry e = locks.compute(key, (k, v) -> {
      Entry x = v == null ? new Entry() : v;
      x.users++;
      return x;
    });
    e.lock.lock();
    return () -> {
      e.lock.unlock();
      locks.compute(key, (k, v) -> {
        if (v == null) {
          return null;
        }
        v.users--;
        return v.users == 0 ? null : v;
      });
    };
  }
}
