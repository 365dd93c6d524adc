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
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;

/**
 * The journal's SQLite database as the journal and snapshot store plugins use it: ONE write
 * connection, owned by one thread, and one read connection on another thread.
 *
 * <p>Why one writer: SQLite has one writer at a time; a second write connection only waits for the
 * lock (or fails with SQLITE_BUSY). Why a thread of its own: each hand-off between threads costs
 * tens of microseconds when the threads are idle, and a persist through pekko-persistence-jdbc
 * (journal actor, stream, Slick's executor, back) took 2.4 ms when the journal was idle against
 * 0.2 ms for the SQLite transaction itself. Why group commit: writes queued while a transaction
 * runs go into the next one together, so 100 writers share commits instead of queueing for them.
 * In WAL mode readers never block the writer, so replays at start do not hold up writes; there are
 * {@link #READERS} of them, because a start recovers every container at once (three reads each).
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
  private final Worker writer;
  private final List<Worker> readers = new ArrayList<>();
  private final BlockingQueue<Job<?>> writeJobs = new LinkedBlockingQueue<>();
  private final BlockingQueue<Job<?>> readJobs = new LinkedBlockingQueue<>();
  private int users;

  private SqliteDatabase(Path file) {
    this.file = file;
    this.writer = new Worker("conman-journal-write", true, writeJobs);
    for (int i = 0; i < READERS; i++) {
      readers.add(new Worker("conman-journal-read-" + i, false, readJobs));
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
    readers.forEach(Worker::stop); // one stop for each reader of the shared queue
    readers.forEach(Worker::join);
    writer.stop();
    writer.join();
  }

  /** Runs {@code work} in a write transaction; completes once it is committed. */
  public <T> CompletableFuture<T> write(Work<T> work) {
    return submit(writeJobs, work);
  }

  /** Runs {@code work} on whichever read connection is free (each sees every committed write). */
  public <T> CompletableFuture<T> read(Work<T> work) {
    return submit(readJobs, work);
  }

  private static <T> CompletableFuture<T> submit(BlockingQueue<Job<?>> queue, Work<T> work) {
    CompletableFuture<T> result = new CompletableFuture<>();
    queue.add(new Job<>(work, result));
    return result;
  }

  private record Job<T>(Work<T> work, CompletableFuture<T> result) {
    void complete(Object value) {
      @SuppressWarnings("unchecked")
      T t = (T) value;
      result.complete(t);
    }
  }

  private static final Job<Void> STOP = new Job<>(c -> null, new CompletableFuture<>());

  /**
   * A thread with a connection of its own, running jobs from its queue: the writer takes all that
   * is queued into one transaction; readers (which may share a queue) take one job at a time.
   */
  private final class Worker implements Runnable {
    private final BlockingQueue<Job<?>> queue;
    private final boolean writes;
    private final Thread thread;
    private Connection connection;
    private Statements statements;

    Worker(String name, boolean writes, BlockingQueue<Job<?>> queue) {
      this.writes = writes;
      this.queue = queue;
      this.thread = new Thread(this, name);
      thread.setDaemon(true);
      thread.start();
    }

    /** Asks the thread to stop once the jobs queued before have run. */
    void stop() {
      queue.add(STOP);
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
      List<Job<?>> group = new ArrayList<>();
      try {
        while (true) {
          group.clear();
          group.add(queue.take());
          if (writes) {
            queue.drainTo(group, GROUP_LIMIT - 1);
          }
          boolean stop = group.remove(STOP);
          if (!group.isEmpty()) {
            if (writes) {
              writeGroup(group);
            } else {
              group.forEach(this::runAlone);
            }
          }
          if (stop) {
            break;
          }
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        checkpoint();
        closeConnection();
        // other readers' stops stay queued for them
        queue.removeIf(left -> {
          if (left == STOP) {
            return false;
          }
          left.result().completeExceptionally(new SQLException("the journal database " + file + " is closed"));
          return true;
        });
      }
    }

    /**
     * All of {@code group} in one transaction. When it fails, each job is tried again alone, so a
     * job that fails by itself (a duplicate sequence number) does not fail the others with it.
     */
    private void writeGroup(List<Job<?>> group) {
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
        group.forEach(job -> job.result().completeExceptionally(e));
        return;
      }
      for (int i = 0; i < group.size(); i++) {
        group.get(i).complete(values[i]);
      }
    }

    private void runAlone(Job<?> job) {
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
        job.result().completeExceptionally(e);
      }
    }

    private Statements statements() throws SQLException {
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

    /** Undoes a failed transaction; a connection that cannot even roll back is replaced. */
    private void rollback() {
      if (!writes || connection == null) {
        return;
      }
      try {
        connection.rollback();
      } catch (SQLException e) {
        closeConnection();
      }
    }

    /**
     * Folds the WAL into the database file, so that a stopped daemon leaves one self-contained file
     * (what an admin copies as a backup, and what the start-up check reads).
     */
    private void checkpoint() {
      if (writes && connection != null) {
        try (var s = connection.createStatement()) {
          connection.setAutoCommit(true); // a checkpoint cannot run inside a transaction
          s.execute("PRAGMA wal_checkpoint(TRUNCATE)");
        } catch (SQLException e) {
          // SQLite checkpoints again when the database is next opened
        }
      }
    }

    private void closeConnection() {
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
}
