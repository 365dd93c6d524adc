package dev.conman.cli;

import dev.conman.api.v1.ContainerStats;
import dev.conman.api.v1.ContainerStatsRequest;
import dev.conman.api.v1.ListContainerStatsRequest;
import io.grpc.StatusRuntimeException;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;

/**
 * stats (also container stats): ListContainerStats, or ContainerStats for each REF, sampled every
 * --interval. The daemon reports CPU time used, so a CPU percentage needs two samples: the first
 * table comes after one interval. A REF that fails is reported on stderr and left out of later
 * rounds, as docker does; the exit status is that of the first failure.
 */
@Command(name = "stats",
    description = {"Show the CPU, memory and pids use of running containers (all of them, or"
        + " those given), like docker stats. CPU %% is of one CPU: 200%% is two CPUs' worth.",
        "Prints a new table every --interval until Ctrl-C (each after a blank line), or one"
        + " with --no-stream; -o json prints one array per table."})
final class StatsCommand extends DaemonCommand {
  @Option(names = "--no-stream", description = "Print one table (after one interval) and exit.")
  boolean noStream;

  Duration interval = Duration.ofSeconds(1);

  @Option(names = "--interval", paramLabel = "SECONDS", defaultValue = "1",
      description = "Time between samples, in seconds; a fraction such as 0.5 too"
          + " (default: ${DEFAULT-VALUE}).")
  void interval(String seconds) {
    BigDecimal value;
    try {
      value = new BigDecimal(seconds);
    } catch (NumberFormatException e) {
      value = BigDecimal.ZERO;
    }
    if (value.signum() <= 0 || value.compareTo(BigDecimal.valueOf(86_400)) > 0) {
      throw new ParameterException(spec.commandLine(), "--interval must be a number of seconds"
          + " above 0 and at most a day, not " + seconds);
    }
    interval = Duration.ofNanos(value.movePointRight(9).longValue());
    if (interval.isZero()) {
      throw new ParameterException(spec.commandLine(), "--interval " + seconds + " is too short");
    }
  }

  @Parameters(paramLabel = "REF", arity = "0..*",
      description = "Containers (full id, unique id prefix, or name); default: every running"
          + " container.")
  List<String> refs = new ArrayList<>();

  private int status = ExitCodes.OK;

  @Override
  protected int run(Daemon daemon, Console console) {
    try {
      return sampleEveryInterval(daemon, console);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return ExitCodes.INTERRUPTED;
    }
  }

  private int sampleEveryInterval(Daemon daemon, Console console) throws InterruptedException {
    List<String> left = new ArrayList<>(refs);
    List<ContainerStats> before = sample(left, daemon, console);
    long sampledAt = System.nanoTime();
    for (boolean first = true; refs.isEmpty() || !left.isEmpty(); first = false) {
      Thread.sleep(interval.toMillis(), interval.toNanosPart() % 1_000_000);
      List<ContainerStats> now = sample(left, daemon, console);
      long nowAt = System.nanoTime();
      if (!refs.isEmpty() && left.isEmpty()) {
        break; // every REF has failed: nothing left to show
      }
      List<StatsFormat.Row> rows =
          StatsFormat.rows(now, byId(before), Duration.ofNanos(nowAt - sampledAt));
      boolean open = console.stats(rows, first);
      if (!open || noStream) {
        break; // when stdout's reader has gone (| head): as good as Ctrl-C
      }
      before = now;
      sampledAt = nowAt;
    }
    return status;
  }

  /** One round: every running container, or the REFs still left (a failing one is dropped). */
  private List<ContainerStats> sample(List<String> left, Daemon daemon, Console console) {
    if (refs.isEmpty()) {
      return daemon.runtime().listContainerStats(ListContainerStatsRequest.getDefaultInstance())
          .getStatsList();
    }
    List<ContainerStats> round = new ArrayList<>();
    for (String ref : new ArrayList<>(left)) {
      try {
        round.add(daemon.runtime()
            .containerStats(ContainerStatsRequest.newBuilder().setRef(ref).build()).getStats());
      } catch (StatusRuntimeException e) {
        console.error(e);
        status = status == ExitCodes.OK ? ExitCodes.of(e) : status;
        left.remove(ref);
      }
    }
    return round;
  }

  private static Map<String, ContainerStats> byId(List<ContainerStats> stats) {
    Map<String, ContainerStats> byId = new LinkedHashMap<>();
    stats.forEach(s -> byId.put(s.getId(), s));
    return byId;
  }
}
