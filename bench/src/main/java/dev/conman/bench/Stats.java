package dev.conman.bench;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/** Order statistics of one set of samples (nearest-rank percentiles, median of two middles). */
public record Stats(int n, double median, double min, double max, double p99, double mean) {

  public static Stats of(Collection<? extends Number> samples) {
    List<Double> s = new ArrayList<>();
    for (Number x : samples) {
      s.add(x.doubleValue());
    }
    if (s.isEmpty()) {
      return new Stats(0, Double.NaN, Double.NaN, Double.NaN, Double.NaN, Double.NaN);
    }
    s.sort(null);
    int n = s.size();
    double median = n % 2 == 1 ? s.get(n / 2) : (s.get(n / 2 - 1) + s.get(n / 2)) / 2;
    double sum = 0;
    for (double x : s) {
      sum += x;
    }
    return new Stats(n, median, s.get(0), s.get(n - 1), percentile(s, 99), sum / n);
  }

  /** One value (a throughput, a memory figure): median = min = max. */
  public static Stats single(double value) {
    return new Stats(1, value, value, value, value, value);
  }

  /** Nearest-rank percentile of sorted samples. */
  public static double percentile(List<Double> sorted, double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }
}
