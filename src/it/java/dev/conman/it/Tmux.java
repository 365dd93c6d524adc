package dev.conman.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A user at a terminal, played by tmux: a private tmux server (its own socket, no configuration
 * file) with one 100 x 30 window running a command, keys typed into it and its screen read.
 * {@link #close} kills the server and whatever still runs in it.
 */
final class Tmux implements AutoCloseable {

  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration SCREEN_TIMEOUT = Duration.ofSeconds(30);
  private static final AtomicInteger SERVERS = new AtomicInteger();
  /** The one session's name, which is also its window's target. */
  private static final String SESSION = "t";

  private final String server = "conman-it-" + ProcessHandle.current().pid() + "-" + SERVERS.incrementAndGet();

  private Tmux() {}

  /** A new server whose window, 100 columns by 30 rows, runs {@code command} (a shell command line). */
  static Tmux start(String command) {
    Tmux tmux = new Tmux();
    try {
      tmux.run("new-session", "-d", "-s", SESSION, "-x", "100", "-y", "30", command);
    } catch (RuntimeException | Error e) {
      tmux.close(); // the server may be up even when tmux failed
      throw e;
    }
    return tmux;
  }

  /** Types {@code keys} as tmux's send-keys names them ("Enter", "C-c", or text). */
  void type(String... keys) {
    List<String> args = new ArrayList<>(List.of("send-keys", "-t", SESSION));
    args.addAll(List.of(keys));
    run(args.toArray(String[]::new));
  }

  /** Resizes the window, as a user resizing the terminal does. */
  void resize(int columns, int rows) {
    run("resize-window", "-t", SESSION, "-x", Integer.toString(columns), "-y", Integer.toString(rows));
  }

  /** Waits until {@code text} is on the screen (capture-pane drops trailing blanks). */
  void awaitScreen(String text) {
    String screen = "";
    long deadline = System.nanoTime() + SCREEN_TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      screen = Exec.run(COMMAND_TIMEOUT, "tmux", "-L", server, "capture-pane", "-p", "-t", SESSION).stdout();
      if (screen.contains(text)) {
        return;
      }
      ConmanDaemon.sleep(200);
    }
    fail("no '" + text + "' on the terminal within " + SCREEN_TIMEOUT.toSeconds() + " s; the screen:\n" + screen);
  }

  @Override
  public void close() {
    Exec.run(COMMAND_TIMEOUT, "tmux", "-L", server, "kill-server");
  }

  private void run(String... args) {
    List<String> argv = new ArrayList<>(List.of("tmux", "-L", server, "-f", "/dev/null"));
    argv.addAll(List.of(args));
    Exec.Result r = Exec.run(COMMAND_TIMEOUT, argv.toArray(String[]::new));
    assertEquals(0, r.exitCode(), r::toString);
  }
}
