package dev.conman.journal;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The journal's SQLite database as the journal and snapshot store plugins use it: ONE write
 * connection, and {@link #READERS} read connections, each on a thread of its own.
 *
 * <p>Why one writer: SQLite has one writer at a time; a second write connection only waits for the
 * lock (or fails with SQLITE_BUSY). Why the caller writes: each hand-off between idle threads costs
 * tens to hundreds of microseconds on these machines, and a persist is on the path of every
 * acknowledgement. The thread that submits a write while none runs (the journal actor's) runs the
 * transaction itself and completes it; a write submitted while another thread is writing is queued
 * and committed by that thread, in its next transaction, with everything else queued meanwhile
 * (group commit: 100 writers share commits instead of queueing for them). In WAL mode readers never
 * block the writer, so replays at start do not hold up writes; a start recovers every container at
 * once, so reads have threads of their own.
 *
 * <p>One instance per database file and JVM, shared by the plugins ({@link #acquire}, {@link #release}).
 */
public final class SqliteDatabase {

  /** Work on a connection; for writes it runs inside a transaction that may hold other writes. */
  @FunctionalInterface
  public interface Work<T> {
    T run(Statements statements) throws SQLException;
  }

  /**
   * The prepared statements of one connection, each prepared once: preparing costs about as much as
   * running a small insert. They belong to the connection: work must not close them.
   */
  public static final class Statements {
    private final Connection connection;
    private final Map<String, PreparedStatement> prepared = new HashMap<>();

    Statements(Connection connection) {
      this.connection = connection;
    }

    public PreparedStatement get(String sql) throws SQLException {
      PreparedStatement s = prepared.get(sql);
      if (s == null) {
        s = connection.prepareStatement(sql);
        prepared.put(sql, s);
      }
      return s;
    }
  }

  /** Read connections, each with its thread, taking reads from one queue. */
  static final int READERS = 2;

  /** Most writes committed in one transaction. */
  private static final int GROUP_LIMIT = 256;

  private static final Map<Path, SqliteDatabase> OPEN = new HashMap<>();

  private final Path file;
  private final Writer writer = new Writer();
  private final List<Reader> readers = new ArrayList<>();
  private final BlockingQueue<Job<?>> readJobs = new LinkedBlockingQueue<>();
  private int users;

  private SqliteDatabase(Path file) {
    this.file = file;
    for (int i = 0; i < READERS; i++) {
      readers.add(new Reader("conman-journal-read-" + i));
    }
  }

  /** The database at {@code file}, opened on first use; pair with {@link #release}. */
  public static SqliteDatabase acquire(Path file) {
    Path key = file.toAbsolutePath().normalize();
    synchronized (OPEN) {
      SqliteDatabase db = OPEN.computeIfAbsent(key, SqliteDatabase::new);
      db.users++;
      return db;
    }
  }

  /** The database that the config of {@code system} names ({@link JournalSettings#withDatabase}). */
  static SqliteDatabase acquire(org.apache.pekko.actor.ActorSystem system) {
    return acquire(JournalSettings.database(system.settings().config()).orElseThrow(() ->
        new IllegalStateException("no journal database configured (JournalSettings.withDatabase)")));
  }

  /** Closes the connections once the last user has released the database. */
  public void release() {
    synchronized (OPEN) {
      if (--users > 0) {
        return;
      }
      OPEN.remove(file);
    }
    // the writer closes last: only a write connection folds the WAL back into the database file
    readers.forEach(Reader::stop); // one stop for each reader of the shared queue
    readers.forEach(Reader::join);
    writer.close();
  }

  /**
   * Runs {@code work} in a write transaction; completes once it is committed. The calling thread
   * may run it (and other queued writes) before this returns; callbacks attached to the result run
   * on the thread that committed, so they must be short and must not wait for another write.
   */
  public <T> CompletableFuture<T> write(Work<T> work) {
    return writeAll(List.of(work)).get(0);
  }

  /**
   * Runs each of {@code works} as {@link #write} does, all queued at once so that they commit
   * together (a work that fails is tried again alone and fails alone).
   */
  public <T> List<CompletableFuture<T>> writeAll(List<Work<T>> works) {
    List<CompletableFuture<T>> results = new ArrayList<>(works.size());
    List<Job<?>> jobs = new ArrayList<>(works.size());
    for (Work<T> work : works) {
      CompletableFuture<T> result = new CompletableFuture<>();
      results.add(result);
      jobs.add(new Job<>(work, result));
    }
    writer.submit(jobs);
    return results;
  }

  /** Runs {@code work} on whichever read connection is free (each sees every committed write). */
  public <T> CompletableFuture<T> read(Work<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    readJobs.add(new Job<>(work, result));
    return result;
  }

  private record Job<T>(Work<T> work, CompletableFuture<T> result) {
    void complete(Object value) {
      @SuppressWarnings("unchecked")
      T t = (T) value;
      result.complete(t);
    }

    void fail(Throwable e) {
      result.completeExceptionally(e);
    }
  }

  private static final Job<Void> STOP = new Job<>(c -> null, new CompletableFuture<>());

  private SQLException closed() {
    return new SQLException("the journal database " + file + " is closed");
  }

  /** A connection opened on first use, with its prepared statements. */
  private final class Session {
    private final boolean writes;
    private Connection connection;
    private Statements statements;

    Session(boolean writes) {
      this.writes = writes;
    }

    Statements statements() throws SQLException {
      if (connection == null) {
        if (writes) {
          connection = DriverManager.getConnection(JournalSettings.jdbcUrl(file));
          connection.setAutoCommit(false);
        } else {
          connection = JournalSettings.openReadOnly(file);
        }
        statements = new Statements(connection);
      }
      return statements;
    }

    /** Runs one job alone: in its own transaction when this session writes. */
    void runAlone(Job<?> job) {
      try {
        Statements st = statements();
        Object value;
        try {
          value = job.work().run(st);
          if (writes) {
            connection.commit();
          }
        } catch (SQLException | RuntimeException e) {
          rollback();
          throw e;
        }
        job.complete(value);
      } catch (SQLException | RuntimeException e) {
        job.fail(e);
      }
    }

    /**
     * All of {@code group} in one transaction. When it fails, each job is tried again alone, so a
     * job that fails by itself (a duplicate sequence number) does not fail the others with it.
     */
    void writeGroup(List<Job<?>> group) {
      if (group.size() == 1) {
        runAlone(group.get(0));
        return;
      }
      Object[] values = new Object[group.size()];
      try {
        Statements st = statements();
        try {
          for (int i = 0; i < group.size(); i++) {
            values[i] = group.get(i).work().run(st);
          }
          connection.commit();
        } catch (SQLException | RuntimeException e) {
          rollback();
          group.forEach(this::runAlone);
          return;
        }
      } catch (SQLException e) {
        group.forEach(job -> job.fail(e));
        return;
      }
      for (int i = 0; i < group.size(); i++) {
        group.get(i).complete(values[i]);
      }
    }

    /** Undoes a failed transaction; a connection that cannot even roll back is replaced. */
    private void rollback() {
      if (!writes || connection == null) {
        return;
      }
      try {
        connection.rollback();
      } catch (SQLException e) {
        close();
      }
    }

    /**
     * Folds the WAL into the database file, so that a stopped daemon leaves one self-contained file
     * (what an admin copies as a backup, and what the start-up check reads).
     */
    void checkpoint() {
      if (writes && connection != null) {
        try (var s = connection.createStatement()) {
          connection.setAutoCommit(true); // a checkpoint cannot run inside a transaction
          s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
          // SQLite checkpoints again when the database is next opened
        }
      }
    }

    void close() {
      if (connection != null) {
        statements = null;
        try {
          connection.close();
        } catch (SQLException ignored) {
          // nothing more to do with it
        }
        connection = null;
      }
    }
  }

  /**
   * The write connection, used by one thread at a time: whichever submitted a write while no other
   * was writing. That thread commits what is queued, group after group, until the queue is empty.
   * Taking the turn is a compare-and-set, not a lock: a thread that finds the turn taken only
   * queues its job, and the writing thread looks at the queue again after giving the turn back, so
   * no job is left behind.
   */
  private final class Writer {
    private final Queue<Job<?>> queue = new ConcurrentLinkedQueue<>();
    private final AtomicBoolean turn = new AtomicBoolean();
    private final Session session = new Session(true);
    private boolean closed; // written and read only while holding the turn

    void submit(List<Job<?>> jobs) {
      queue.addAll(jobs);
      writeWhileQueued();
    }

    private void writeWhileQueued() {
      while (!queue.isEmpty() && turn.compareAndSet(false, true)) {
        try {
          drain();
        } finally {
          turn.set(false);
        }
      }
    }

    private void drain() {
      List<Job<?>> group = new ArrayList<>();
      Job<?> job;
      while ((job = queue.poll()) != null) {
        group.add(job);
        if (group.size() == GROUP_LIMIT || queue.isEmpty()) {
          if (closed) {
            SQLException e = closed();
            group.forEach(j -> j.fail(e));
          } else {
            session.writeGroup(group);
          }
          group = new ArrayList<>();
        }
      }
    }

    /** Waits for the turn, then checkpoints and closes; later writes fail as closed. */
    void close() {
      while (!turn.compareAndSet(false, true)) {
        // a transaction in progress (busy_timeout may hold it for seconds): wait without spinning
        java.util.concurrent.locks.LockSupport.parkNanos(100_000);
      }
      try {
        drain();
        closed = true;
        session.checkpoint();
        session.close();
      } finally {
        turn.set(false);
      }
      // a write queued while the turn was taken here: fail it now that nobody writes
      writeWhileQueued();
    }
  }

  /** A thread with a read connection of its own, taking reads one at a time from the shared queue. */
  private final class Reader implements Runnable {
    private final Thread thread;
    private final Session session = new Session(false);

    Reader(String name) {
      this.thread = new Thread(this, name);
      thread.setDaemon(true);
      thread.start();
    }

    /** Asks one reader to stop once the jobs queued before have run. */
    void stop() {
      readJobs.add(STOP);
    }

    void join() {
      try {
        thread.join(10_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }

    @Override
    public void run() {
      try {
        while (true) {
          Job<?> job = readJobs.take();
          if (job == STOP) {
            break;
          }
          session.runAlone(job);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        session.close();
        // other readers' stops stay queued for them
        readJobs.removeIf(left -> {
          if (left == STOP) {
            return false;
          }
          left.fail(closed());
          return true;
        });
      }
    }
  }
}
