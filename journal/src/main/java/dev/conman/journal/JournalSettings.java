package dev.conman.journal;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValueFactory;
import java.nio.file.Path;

/**
 * The one place that knows how conman talks to SQLite: the JDBC URL and the Pekko config that points
 * the journal, snapshot store and read journal at one shared database.
 */
public final class JournalSettings {

  /** Tag on every container event, so that the read journal streams the whole host in order. */
  public static final String CONTAINER_TAG = "container";

  private JournalSettings() {}

  /**
   * sqlite-jdbc applies URL parameters as PRAGMAs on every connection. WAL lets readers (event
   * queries) proceed during writes; synchronous=NORMAL in WAL mode loses at most the last
   * transactions on power loss, never consistency.
   */
  public static String jdbcUrl(Path database) {
    return "jdbc:sqlite:" + database.toAbsolutePath()
        + "?journal_mode=WAL&synchronous=NORMAL&busy_timeout=5000&foreign_keys=true";
  }

  /**
   * {@code base} (a loaded config: application.conf over the libraries' reference.conf) with the
   * journal settings of conman-journal.conf laid over it, pointed at {@code database}.
   */
  public static Config withDatabase(Config base, Path database) {
    return ConfigFactory.empty()
        .withValue("pekko-persistence-jdbc.shared-databases.slick.db.url", ConfigValueFactory.fromAnyRef(jdbcUrl(database)))
        .withFallback(ConfigFactory.parseResources("conman-journal.conf"))
        .withFallback(base)
        .resolve();
  }
}
