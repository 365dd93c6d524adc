package dev.conman.bench;

/** A figure the issue asks for; checked against a row's median (or ratio, or p99). */
public record Target(Kind kind, double limit, String text) {

  public enum Kind { RATIO_MAX, VALUE_MAX, VALUE_MIN, P99_MAX }

  public static Target ratioMax(double limit) {
    return new Target(Kind.RATIO_MAX, limit, "<=" + trim(limit) + "x");
  }

  public static Target max(double limit, String unit) {
    return new Target(Kind.VALUE_MAX, limit, "<=" + trim(limit) + " " + unit);
  }

  public static Target min(double limit, String unit) {
    return new Target(Kind.VALUE_MIN, limit, ">=" + trim(limit) + " " + unit);
  }

  public static Target p99Max(double limit, String unit) {
    return new Target(Kind.P99_MAX, limit, "p99<=" + trim(limit) + " " + unit);
  }

  /** null when the row cannot be judged (no baseline). */
  public Boolean met(Stats s, Double ratio) {
    return switch (kind) {
      case RATIO_MAX -> ratio == null ? null : ratio <= limit;
      case VALUE_MAX -> s.median() <= limit;
      case VALUE_MIN -> s.median() >= limit;
      case P99_MAX -> s.p99() <= limit;
    };
  }

  private static String trim(double d) {
    return d == Math.rint(d) ? Long.toString((long) d) : Double.toString(d);
  }
}
