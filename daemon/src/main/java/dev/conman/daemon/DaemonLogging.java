package dev.conman.daemon;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.classic.spi.ConfiguratorRank;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.spi.ContextAwareBase;
import java.util.Map;

/**
 * conmand's logging, set up in code (logback finds it through {@code META-INF/services}): to stderr,
 * which journald (under systemd) or the terminal keeps, at {@code CONMAN_LOG_LEVEL} (a system
 * property or an environment variable; INFO by default), the libraries' chatter held back. Joran,
 * logback's XML configurator, cost 60-90 ms of CPU at each start here, a tenth of a restart's.
 *
 * <p>{@code -Dlogback.configurationFile=FILE} still configures logging from FILE instead.
 */
@ConfiguratorRank(ConfiguratorRank.CUSTOM_HIGH_PRIORITY)
public final class DaemonLogging extends ContextAwareBase implements Configurator {

  /** The level given, else INFO. */
  static final String LEVEL_VARIABLE = "CONMAN_LOG_LEVEL";

  static final String PATTERN = "%d{yyyy-MM-dd'T'HH:mm:ss.SSSXXX} %-5level %logger{24} - %msg%n";

  /** Loggers that would otherwise say too much at INFO. */
  static final Map<String, Level> QUIETER = Map.of(
      "org.apache.pekko", Level.WARN,
      "com.zaxxer.hikari", Level.WARN,
      "io.grpc.netty", Level.WARN,
      // netty warns that unix sockets have no SO_KEEPALIVE, on every connection
      "io.grpc.netty.shaded.io.netty.bootstrap", Level.ERROR);

  @Override
  public ExecutionStatus configure(LoggerContext context) {
    if (System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY) != null) {
      return ExecutionStatus.INVOKE_NEXT_IF_ANY;
    }
    PatternLayoutEncoder encoder = new PatternLayoutEncoder();
    encoder.setContext(context);
    encoder.setPattern(PATTERN);
    encoder.start();
    ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
    stderr.setContext(context);
    stderr.setName("STDERR");
    stderr.setTarget("System.err");
    stderr.setEncoder(encoder);
    stderr.start();
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    root.setLevel(level(System.getProperty(LEVEL_VARIABLE, System.getenv(LEVEL_VARIABLE))));
    root.addAppender(stderr);
    QUIETER.forEach((name, level) -> context.getLogger(name).setLevel(level));
    return ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY;
  }

  static Level level(String given) {
    return given == null || given.isBlank() ? Level.INFO : Level.toLevel(given.strip(), Level.INFO);
  }
}
