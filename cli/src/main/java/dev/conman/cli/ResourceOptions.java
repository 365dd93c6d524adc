package dev.conman.cli;

import dev.conman.api.v1.Resources;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.TypeConversionException;

/**
 * Resource limits, shared by {@code container create}, {@code run} (through {@link
 * CreateOptions}) and {@code container update}. Only the options given are set in {@link
 * Resources}: at create an unset field is no limit, at update it stays as it is. conmanctl checks
 * the syntax; the daemon checks the ranges (6 MiB of memory at least, 2..262144 shares, ...).
 */
final class ResourceOptions {
  /** The options' names, for the message of an update without any. */
  static final String NAMES =
      "--memory, --memory-swap, --cpus, --cpu-shares, --pids-limit or --cpuset-cpus";

  @Option(names = {"-m", "--memory"}, paramLabel = "SIZE", converter = Sizes.Converter.class,
      description = "Memory limit: bytes, or with suffix b, k, m or g (1k = 1024), e.g. 512m;"
          + " at least 6m.")
  Long memory;

  @Option(names = "--memory-swap", paramLabel = "SIZE", converter = Sizes.SwapConverter.class,
      description = "Memory plus swap (a SIZE, not less than --memory), or -1 for unlimited"
          + " swap.")
  Long memorySwap;

  @Option(names = "--cpus", paramLabel = "DECIMAL", converter = CpusConverter.class,
      description = "CPUs' worth of time the container may use, e.g. 0.5 or 2 (CFS quota over a"
          + " 100 ms period).")
  Double cpus;

  @Option(names = "--cpu-shares", paramLabel = "N", converter = CountConverter.class,
      description = "Relative CPU weight when CPUs are contended: 2 to 262144 (1024 is the"
          + " default).")
  Long cpuShares;

  @Option(names = "--pids-limit", paramLabel = "N", converter = CountConverter.class,
      description = "Most processes and threads at once in the container.")
  Long pidsLimit;

  @Option(names = "--cpuset-cpus", paramLabel = "LIST", converter = CpuListConverter.class,
      description = "CPUs the container may run on, e.g. 0-1,3.")
  String cpusetCpus;

  /** Whether no limit was given. */
  boolean isEmpty() {
    return resources().equals(Resources.getDefaultInstance());
  }

  /** The limits given, and only those. */
  Resources resources() {
    Resources.Builder r = Resources.newBuilder();
    if (memory != null) {
      r.setMemoryBytes(memory);
    }
    if (memorySwap != null) {
      r.setMemorySwapBytes(memorySwap);
    }
    if (cpus != null) {
      r.setCpus(cpus);
    }
    if (cpuShares != null) {
      r.setCpuShares(cpuShares);
    }
    if (pidsLimit != null) {
      r.setPidsLimit(pidsLimit);
    }
    if (cpusetCpus != null) {
      r.setCpusetCpus(cpusetCpus);
    }
    return r.build();
  }

  /** A positive decimal such as 0.5, 1 or 2.25; no exponents, no NaN. */
  static final class CpusConverter implements ITypeConverter<Double> {
    private static final Pattern DECIMAL = Pattern.compile("\\d+(\\.\\d+)?|\\.\\d+");

    @Override
    public Double convert(String value) {
      double cpus = DECIMAL.matcher(value).matches() ? Double.parseDouble(value) : 0;
      if (cpus <= 0 || Double.isInfinite(cpus)) {
        throw new TypeConversionException(
            "'" + value + "' is not a positive number of CPUs (e.g. 0.5, 1 or 2)");
      }
      return cpus;
    }
  }

  /** A positive whole number. */
  static final class CountConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      long n;
      try {
        n = value.matches("\\d+") ? Long.parseLong(value) : 0;
      } catch (NumberFormatException e) {
        throw new TypeConversionException("'" + value + "' is too large");
      }
      if (n <= 0) {
        throw new TypeConversionException("'" + value + "' is not a positive whole number");
      }
      return n;
    }
  }

  /** Linux's CPU list syntax: numbers and ascending ranges, comma-separated: 0-1,3. */
  static final class CpuListConverter implements ITypeConverter<String> {
    private static final Pattern ITEM = Pattern.compile("(\\d{1,9})(?:-(\\d{1,9}))?");

    @Override
    public String convert(String value) {
      for (String item : value.split(",", -1)) {
        Matcher m = ITEM.matcher(item);
        if (!m.matches()
            || (m.group(2) != null && Long.parseLong(m.group(2)) < Long.parseLong(m.group(1)))) {
          throw new TypeConversionException("'" + value + "' is not a CPU list: use CPU numbers"
              + " and ascending ranges, comma-separated, e.g. 0-1,3");
        }
      }
      return value;
    }
  }
}
