package dev.conman.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The result table: one row per (scenario, system), with the ratio of its median to the median of
 * the scenario's baseline row (bare runc) and the target, plus free-form notes (sub-timings,
 * failures) printed under the table.
 */
public final class Report {

  /** baseline: system name of the row to divide by (same scenario), or null. */
  public record Row(String scenario, String system, Stats stats, String unit, String baseline, Target target,
      String note) {}

  private final List<Row> rows = new ArrayList<>();
  private final List<String> notes = new ArrayList<>();

  public synchronized void add(Row row) {
    rows.add(row);
    Stats s = row.stats();
    System.out.printf(Locale.ROOT, "  -> %s / %s: n=%d median=%s min=%s max=%s %s%s%n", row.scenario(), row.system(),
        s.n(), num(s.median()), num(s.min()), num(s.max()), row.unit(), row.note() == null ? "" : " (" + row.note() + ")");
  }

  public void add(String scenario, String system, Stats stats, String unit, String baseline, Target target,
      String note) {
    add(new Row(scenario, system, stats, unit, baseline, target, note));
  }

  public synchronized void note(String text) {
    notes.add(text);
    System.out.println("  note: " + text);
  }

  public synchronized void failure(String scenario, Throwable e) {
    String msg = scenario + " FAILED: " + e;
    notes.add(msg);
    System.out.println("  " + msg);
  }

  private Double ratio(Row r) {
    if (r.baseline() == null) {
      return null;
    }
    for (Row b : rows) {
      if (b.scenario().equals(r.scenario()) && b.system().equals(r.baseline()) && b.stats().n() > 0
          && b.stats().median() > 0) {
        return r.stats().median() / b.stats().median();
      }
    }
    return null;
  }

  private static final String HEAD = String.format(Locale.ROOT, "%-22s %-24s %5s %10s %10s %10s %-6s %7s %-14s %-4s %s",
      "scenario", "system", "n", "median", "min", "max", "unit", "x runc", "target", "ok", "note");

  private String format(Row r) {
    Stats s = r.stats();
    Double ratio = ratio(r);
    Boolean ok = r.target() == null ? null : r.target().met(s, ratio);
    return String.format(Locale.ROOT, "%-22s %-24s %5d %10s %10s %10s %-6s %7s %-14s %-4s %s",
        r.scenario(), r.system(), s.n(), num(s.median()), num(s.min()), num(s.max()), r.unit(),
        ratio == null ? "-" : String.format(Locale.ROOT, "%.2f", ratio),
        r.target() == null ? "" : r.target().text(),
        ok == null ? "" : ok ? "yes" : "NO",
        r.note() == null ? "" : r.note()).stripTrailing();
  }

  static String num(double d) {
    if (Double.isNaN(d)) {
      return "-";
    }
    if (Math.abs(d) >= 1000) {
      return String.format(Locale.ROOT, "%.0f", d);
    }
    return String.format(Locale.ROOT, "%.1f", d);
  }

  public synchronized String render(List<String> header) {
    StringBuilder b = new StringBuilder();
    header.forEach(h -> b.append(h).append('\n'));
    b.append('\n').append(HEAD).append('\n');
    b.append("-".repeat(HEAD.length())).append('\n');
    String last = null;
    for (Row r : rows) {
      if (last != null && !last.equals(r.scenario())) {
        b.append('\n');
      }
      last = r.scenario();
      b.append(format(r)).append('\n');
    }
    if (!notes.isEmpty()) {
      b.append("\nnotes:\n");
      notes.forEach(n -> b.append("  ").append(n).append('\n'));
    }
    return b.toString();
  }

  public void write(Path file, List<String> header) throws IOException {
    String text = render(header);
    System.out.println();
    System.out.print(text);
    if (file != null) {
      Files.createDirectories(file.toAbsolutePath().getParent());
      Files.writeString(file, text);
      System.out.println("\nwritten to " + file);
    }
  }
}
