package dev.conman.runc;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The daemonized conmon of one container, found through the pid file it wrote. */
final class ConmonProcess {

  private static final Logger log = LoggerFactory.getLogger(ConmonProcess.class);

  private ConmonProcess() {}

  /** The live conmon process named in the pid file; empty when gone or the pid was reused. */
  static Optional<ProcessHandle> find(Path pidFile) {
    try {
      long pid = Long.parseLong(Files.readString(pidFile).strip());
      return ProcessHandle.of(pid).filter(ConmonProcess::isConmon);
    } catch (NoSuchFileException e) {
      return Optional.empty();
    } catch (IOException | NumberFormatException e) {
      log.warn("cannot read conmon pid file {}: {}", pidFile, e.toString());
      return Optional.empty();
    }
  }

  /** SIGKILL: conmon's runc child dies with it (PDEATHSIG); the container is runc's to delete. */
  static void kill(Path pidFile) {
    find(pidFile).ifPresent(process -> {
      log.debug("killing conmon {}", process.pid());
      process.destroyForcibly();
    });
  }

  /** Whether the conmon named in the pid file still runs. */
  static boolean alive(Path pidFile) {
    return find(pidFile).isPresent();
  }

  private static boolean isConmon(ProcessHandle process) {
    return process.info().command().map(c -> Path.of(c).getFileName().toString().startsWith("conmon"))
        .orElse(false);
  }
}
