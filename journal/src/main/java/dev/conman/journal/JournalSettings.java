package dev.conman.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.Optional;
import org.sqlite.SQLiteConfig;

/**
 * The one place that knows how conman talks to SQLite: the JDBC URL and the Pekko config that points
 * the journal and snapshot store plugins ({@link SqliteJournal}, {@link SqliteSnapshotStore}) at it.
 */
public final class JournalSettings {

  /** Tag on every container event, so that the read journal streams the whole host in order. */
  public static final String CONTAINER_TAG = "container";

  private static final String URL_PATH = "conman-journal.url";
  private static final String URL_PREFIX = "jdbc:sqlite:";

  private JournalSettings() {}

  /**
   * sqlite-jdbc applies URL parameters as PRAGMAs on every connection. WAL lets readers (event
   * queries) proceed during writes; synchronous=NORMAL in WAL mode loses at most the last
   * transactions on power loss, never consistency. jdbc.get_generated_keys=false: otherwise the
   * driver prepares and runs a {@code last_insert_rowid()} query after every insert, which costs
   * as much as the insert; the journal asks for the ordering itself, only for tagged events.
   */
  public static String jdbcUrl(Path database) {
    return URL_PREFIX + database.toAbsolutePath()
        + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=5000&foreign_keys=true&jdbc.get_generated_keys=false";
  }

  /**
   * A read-only connection to the database, as readers use one (the daemon's readers of the journal
   * never write; in WAL mode they never block the writer either).
   */
  public static Connection openReadOnly(Path database) throws SQLException {
    SQLiteConfig config = new SQLiteConfig();
    config.setReadOnly(true);
    config.setBusyTimeout(5000);
    return DriverManager.getConnection(URL_PREFIX + database.toAbsolutePath(), config.toProperties());
  }

  /** Where the database is, as {@link #withDatabase} put it into {@code config}; empty for another journal. */
  public static Optional<Path> database(Config config) {
    if (!config.hasPath(URL_PATH)) {
      return Optional.empty();
    }
    String url = config.getString(URL_PATH);
    if (!url.startsWith(URL_PREFIX)) {
      return Optional.empty();
    }
    int query = url.indexOf('?');
    return Optional.of(Path.of(url.substring(URL_PREFIX.length(), query < 0 ? url.length() : query)));
  }

  /**
   * {@code base} (a loaded config: application.conf over the libraries' reference.conf) with the
   * journal settings of conman-journal.conf laid over it, pointed at {@code database}.
   */
  public static Config withDatabase(Config base, Path database) {
    return ConfigFactory.empty()
        .withValue(URL_PATH, ConfigValueFactory.fromAnyRef(jdbcUrl(database)))
        .withFallback(ConfigFactory.parseResources("conman-journal.conf"))
        .withFallback(base)
        .resolve();
  }
}
