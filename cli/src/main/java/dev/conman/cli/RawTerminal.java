package dev.conman.cli;

import dev.conman.api.v1.TerminalSize;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * conmanctl's controlling terminal in raw mode while a container's terminal is attached (attach,
 * run -it, exec -it): every key (Ctrl-C, Ctrl-D, the detach keys) goes to the container as typed,
 * and the container's terminal does the echoing. Driven by /bin/stty on /dev/tty, which every Linux has, rather than native
 * termios calls: conmanctl stays free of native code. {@link #restore} puts the settings back,
 * also from a shutdown hook when conmanctl is killed.
 */
final class RawTerminal implements AutoCloseable {

  private static final File TTY = new File("/dev/tty");
  private final String saved;
  private final Thread restoreOnExit = new Thread(this::restore, "conmanctl-restore-terminal");
  private boolean restored;

  private RawTerminal(String saved) {
    this.saved = saved;
  }

  /** Raw mode, when stdin is a terminal; empty otherwise (piped input needs nothing). */
  static Optional<RawTerminal> enter() {
    if (System.console() == null) {
      return Optional.empty();
    }
    Optional<String> saved = stty("-g");
    if (saved.isEmpty() || stty("raw", "-echo").isEmpty()) {
      return Optional.empty();
    }
    RawTerminal t = new RawTerminal(saved.get().strip());
    Runtime.getRuntime().addShutdownHook(t.restoreOnExit);
    return Optional.of(t);
  }

  /** The terminal's size, from {@code stty size} ("ROWS COLUMNS"); empty without a terminal. */
  static Optional<TerminalSize> size() {
    return stty("size").flatMap(RawTerminal::parseSize);
  }

  /**
   * SIGWINCH: the terminal changed size; {@code resized} gets the new one (attach and exec send it
   * on to the container's terminal).
   */
  @SuppressWarnings("restriction")
  static void followSize(java.util.function.Consumer<TerminalSize> resized) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("WINCH"), signal -> size().ifPresent(resized));
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      // no SIGWINCH on this platform: the size stays as it was at the start
    }
  }

  static Optional<TerminalSize> parseSize(String sttySize) {
    String[] parts = sttySize.strip().split("\\s+");
    try {
      if (parts.length == 2) {
        return Optional.of(TerminalSize.newBuilder().setRows(Integer.parseInt(parts[0]))
            .setColumns(Integer.parseInt(parts[1])).build());
      }
    } catch (NumberFormatException e) {
      // not stty's answer: no size
    }
    return Optional.empty();
  }

  synchronized void restore() {
    if (!restored) {
      restored = true;
      stty(saved);
    }
  }

  @Override
  public void close() {
    restore();
    try {
      Runtime.getRuntime().removeShutdownHook(restoreOnExit);
    } catch (IllegalStateException shuttingDown) {
      // the hook restores
    }
  }

  private static Optional<String> stty(String... args) {
    if (!TTY.exists()) {
      return Optional.empty();
    }
    try {
      Process p = new ProcessBuilder(concat(args)).redirectInput(TTY)
          .redirectError(ProcessBuilder.Redirect.DISCARD).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      if (!p.waitFor(5, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        return Optional.empty();
      }
      return Optional.of(out);
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  private static List<String> concat(String... args) {
    List<String> argv = new java.util.ArrayList<>(List.of("/bin/stty"));
    argv.addAll(List.of(args));
    return argv;
  }
}
