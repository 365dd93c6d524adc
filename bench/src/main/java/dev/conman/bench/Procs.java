package dev.conman.bench;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Running external commands (runc, ctr, podman, conmanctl) and reading /proc. */
public final class Procs {

  private static final File DEV_NULL = new File("/dev/null");

  private Procs() {}

  /** exit code, stdout (captured commands only), wall time. */
  public record Result(List<String> command, int exit, String out, String err, long nanos) {
    public boolean ok() {
      return exit == 0;
    }

    public double millis() {
      return nanos / 1e6;
    }

    public Result check() {
      if (exit != 0) {
        throw new IllegalStateException(String.join(" ", command) + " exited " + exit
            + (err.isBlank() ? "" : ": " + err.strip()));
      }
      return this;
    }
  }

  /**
   * A command whose children may outlive it and keep its stdio (runc create / run -d, podman run
   * -d): stdin and stdout are /dev/null, stderr is appended to {@code errLog}, so nothing waits for
   * an EOF that never comes.
   */
  public static Result detached(List<String> command, Path errLog, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(command)
        .redirectInput(DEV_NULL)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .redirectError(ProcessBuilder.Redirect.appendTo(errLog.toFile()));
    long t0 = System.nanoTime();
    try {
      Process p = pb.start();
      int exit = waitFor(p, timeout);
      long t1 = System.nanoTime();
      return new Result(command, exit, "", exit == 0 ? "" : "(stderr in " + errLog + ")", t1 - t0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
    }
  }

  /** A command that ends with its output: stdout and stderr captured. */
  public static Result captured(List<String> command, Duration timeout) {
    ProcessBuilder pb = new ProcessBuilder(command).redirectInput(DEV_NULL);
    long t0 = System.nanoTime();
    try {
      Process p = pb.start();
      // stderr is small for the commands used here; read it on a helper thread to be safe
      StringBuilder err = new StringBuilder();
      Thread errReader = new Thread(() -> err.append(readAll(p.getErrorStream())));
      errReader.setDaemon(true);
      errReader.start();
      String out = readAll(p.getInputStream());
      int exit = waitFor(p, timeout);
      long t1 = System.nanoTime();
      errReader.join(1000);
      return new Result(command, exit, out, err.toString(), t1 - t0);
    } catch (IOException e) {
      throw new IllegalStateException("cannot run " + command + ": " + e.getMessage(), e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static int waitFor(Process p, Duration timeout) {
    try {
      if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        p.waitFor();
        return 124;
      }
      return p.exitValue();
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }

  /** A command line given as one string (from env.sh: "ctr -a SOCK"), split on blanks. */
  public static List<String> words(String commandLine, String... more) {
    List<String> l = new ArrayList<>(Arrays.asList(commandLine.trim().split("\\s+")));
    l.addAll(Arrays.asList(more));
    return l;
  }

  /** VmRSS of a process in kB; -1 when it is gone. */
  public static long rssKb(long pid) {
    return statusField(Path.of("/proc", Long.toString(pid), "status"), "VmRSS:");
  }

  /** Pss from smaps_rollup in kB (shared pages split among their users); -1 when unreadable. */
  public static long pssKb(long pid) {
    return statusField(Path.of("/proc", Long.toString(pid), "smaps_rollup"), "Pss:");
  }

  private static long statusField(Path file, String field) {
    try {
      for (String line : Files.readAllLines(file)) {
        if (line.startsWith(field)) {
          return Long.parseLong(line.substring(field.length()).trim().split("\\s+")[0]);
        }
      }
    } catch (IOException | RuntimeException e) {
      return -1;
    }
    return -1;
  }

  /** utime, stime, cutime, cstime of a process in ms (clock ticks of 10 ms); zeros when it is gone. */
  public static long[] cpuMs(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      // f[0] is field 3 (state): utime is field 14 -> f[11]
      return new long[] {Long.parseLong(f[11]) * 10, Long.parseLong(f[12]) * 10, Long.parseLong(f[13]) * 10,
          Long.parseLong(f[14]) * 10};
    } catch (IOException | RuntimeException e) {
      return new long[4];
    }
  }

  /** CPU time the whole host spent busy (all cores, everything but idle and iowait), in ms. */
  public static long hostBusyMs() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long busy = 0;
      for (int i = 1; i < f.length && i <= 8; i++) {
        if (i != 4 && i != 5) {
          busy += Long.parseLong(f[i]);
        }
      }
      return busy * 10;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  /** The executable {@code name} in a directory of PATH. */
  public static Path onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":")) {
      Path p = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(p)) {
        return p.toAbsolutePath();
      }
    }
    throw new IllegalStateException(name + " is not on PATH");
  }

  /** True while /proc/PID exists and is not a zombie (what `runc state` calls running). */
  public static boolean aliveNotZombie(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      int close = stat.lastIndexOf(')');
      return close > 0 && close + 2 < stat.length() && stat.charAt(close + 2) != 'Z';
    } catch (IOException e) {
      return false;
    }
  }

  public static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
