package dev.conman.cli;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * Byte sizes as docker writes them: {@code --memory 512m} on the way in (binary multiples: 1k is
 * 1024 bytes), {@code 15.62MiB} on the way out.
 */
final class Sizes {
  /** Bytes, or a number (with a fraction, e.g. 1.5g) with b, k, m or g; kb, kib, ... too. */
  private static final Pattern SIZE =
      Pattern.compile("(\\d+(?:\\.\\d+)?)(?:([kmg])(?:i?b)?|b)?", Pattern.CASE_INSENSITIVE);
  private static final String FORMS = "use bytes, or a number with suffix b, k, m or g"
      + " (1k = 1024 bytes), e.g. 512m or 1.5g";
  private static final String[] UNITS = {"KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};

  private Sizes() {}

  /**
   * The number of bytes {@code text} stands for; a fraction of a byte is dropped, as docker does.
   *
   * @throws IllegalArgumentException with a message that says what is accepted
   */
  static long parse(String text) {
    Matcher m = SIZE.matcher(text);
    if (!m.matches()) {
      throw new IllegalArgumentException("'" + text + "' is not a size: " + FORMS);
    }
    int shift = m.group(2) == null ? 0 : 10 * ("kmg".indexOf(m.group(2).toLowerCase(Locale.ROOT)) + 1);
    BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(1L << shift))
        .setScale(0, RoundingMode.DOWN);
    if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) {
      throw new IllegalArgumentException("'" + text + "' is too large a size");
    }
    return bytes.longValueExact();
  }

  /** 512B, 1.5KiB, 15.62MiB, 2GiB: binary units, at most two decimals. */
  static String human(long bytes) {
    if (bytes < 1024) {
      return bytes + "B";
    }
    BigDecimal value = BigDecimal.valueOf(bytes);
    BigDecimal kibi = BigDecimal.valueOf(1024);
    int unit = -1;
    while (value.compareTo(kibi) >= 0 && unit < UNITS.length - 1) {
      value = value.divide(kibi);
      unit++;
    }
    return value.setScale(2, RoundingMode.HALF_UP).stripTrailingZeros().toPlainString()
        + UNITS[unit];
  }

  /** A memory limit: a size of at least one byte (the daemon enforces its minimum). */
  static final class Converter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      long bytes = parseOption(value);
      if (bytes <= 0) {
        throw new TypeConversionException("a size of 0 is no limit: leave the option out");
      }
      return bytes;
    }
  }

  /** A memory+swap limit: a size as for {@link Converter}, or -1 for unlimited swap. */
  static final class SwapConverter implements ITypeConverter<Long> {
    @Override
    public Long convert(String value) {
      return value.equals("-1") ? -1L : new Converter().convert(value);
    }
  }

  private static long parseOption(String value) {
    try {
      return parse(value);
    } catch (IllegalArgumentException e) {
      throw new TypeConversionException(e.getMessage());
    }
  }
}
