package dev.conman.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import ch.qos.logback.classic.ClassicConstants;
import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.Configurator;
import ch.qos.logback.core.ConsoleAppender;
import java.util.ServiceLoader;
import org.junit.jupiter.api.Test;

class DaemonLoggingTest {

  @Test
  void logsToStderrAtInfoWithTheLibrariesHeldBack() {
    LoggerContext context = new LoggerContext();
    DaemonLogging logging = new DaemonLogging();
    logging.setContext(context);
    assertEquals(Configurator.ExecutionStatus.DO_NOT_INVOKE_NEXT_IF_ANY, logging.configure(context));
    Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
    ConsoleAppender<?> stderr = assertInstanceOf(ConsoleAppender.class, root.getAppender("STDERR"));
    assertEquals("System.err", stderr.getTarget());
    assertEquals(Level.WARN, context.getLogger("org.apache.pekko.persistence").getEffectiveLevel());
    assertEquals(Level.ERROR, context.getLogger("io.grpc.netty.shaded.io.netty.bootstrap.ServerBootstrap").getEffectiveLevel());
    assertEquals(Level.INFO, context.getLogger("dev.conman.daemon.Daemon").getEffectiveLevel());
  }

  @Test
  void theLevelComesFromConmanLogLevelAndAnythingElseIsInfo() {
    assertEquals(Level.INFO, DaemonLogging.level(null));
    assertEquals(Level.DEBUG, DaemonLogging.level(" debug "));
    assertEquals(Level.INFO, DaemonLogging.level("loud"));
  }

  @Test
  void aConfigurationFileGivenOnTheCommandLineWins() {
    String before = System.getProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
    System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, "/etc/conman/logback.xml");
    try {
      LoggerContext context = new LoggerContext();
      assertEquals(Configurator.ExecutionStatus.INVOKE_NEXT_IF_ANY, new DaemonLogging().configure(context));
    } finally {
      if (before == null) {
        System.clearProperty(ClassicConstants.CONFIG_FILE_PROPERTY);
      } else {
        System.setProperty(ClassicConstants.CONFIG_FILE_PROPERTY, before);
      }
    }
  }

  @Test
  void logbackFindsIt() {
    assertNotNull(ServiceLoader.load(Configurator.class).stream()
        .filter(p -> p.type() == DaemonLogging.class).findFirst().orElse(null));
  }
}
