package dev.conman.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import picocli.CommandLine.TypeConversionException;

class SizesTest {

  @Test
  void bytesAndBinarySuffixes() {
    assertEquals(0, Sizes.parse("0"));
    assertEquals(512, Sizes.parse("512"));
    assertEquals(512, Sizes.parse("512b"));
    assertEquals(512, Sizes.parse("512B"));
    assertEquals(1024, Sizes.parse("1k"));
    assertEquals(1024, Sizes.parse("1K"));
    assertEquals(1024, Sizes.parse("1kb"));
    assertEquals(1024, Sizes.parse("1KiB"));
    assertEquals(16L << 20, Sizes.parse("16m"));
    assertEquals(16L << 20, Sizes.parse("16MB"));
    assertEquals(2L << 30, Sizes.parse("2g"));
    assertEquals(2L << 30, Sizes.parse("2GiB"));
  }

  @Test
  void fractionsAreOfTheUnitAndPartsOfABytesAreDropped() {
    assertEquals(3L << 29, Sizes.parse("1.5g"));
    assertEquals(512 * 1024, Sizes.parse("0.5m"));
    assertEquals(1, Sizes.parse("1.9"));
    assertEquals(1536, Sizes.parse("1.5k"));
  }

  @Test
  void largestSizes() {
    assertEquals(Long.MAX_VALUE, Sizes.parse(Long.toString(Long.MAX_VALUE)));
    assertEquals(8_589_934_591L << 30, Sizes.parse("8589934591g"));
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Sizes.parse("8589934592g"));
    assertEquals("'8589934592g' is too large a size", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> Sizes.parse("99999999999999999999"));
  }

  @Test
  void badSizesSayWhatIsAccepted() {
    for (String bad : List.of("", "m", "-1", "-5m", "1x", "1 m", "1mm", "1.m", ".5m", "1e3",
        "1ib", "1bb", "1t", "0x10", "one", "1,5g")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Sizes.parse(bad), bad);
      assertEquals("'" + bad + "' is not a size: use bytes, or a number with suffix b, k, m or g"
          + " (1k = 1024 bytes), e.g. 512m or 1.5g", e.getMessage());
    }
  }

  @Test
  void convertersWantALimit() {
    assertEquals(6L << 20, new Sizes.Converter().convert("6m"));
    TypeConversionException zero = assertThrows(TypeConversionException.class,
        () -> new Sizes.Converter().convert("0"));
    assertTrue(zero.getMessage().contains("no limit"), zero.getMessage());
    assertThrows(TypeConversionException.class, () -> new Sizes.Converter().convert("-1"));
    assertThrows(TypeConversionException.class, () -> new Sizes.Converter().convert("lots"));
    assertEquals(-1L, new Sizes.SwapConverter().convert("-1"));
    assertEquals(1L << 30, new Sizes.SwapConverter().convert("1g"));
    assertThrows(TypeConversionException.class, () -> new Sizes.SwapConverter().convert("-2"));
    assertThrows(TypeConversionException.class, () -> new Sizes.SwapConverter().convert("0"));
  }

  @Test
  void humanInBinaryUnits() {
    assertEquals("0B", Sizes.human(0));
    assertEquals("1023B", Sizes.human(1023));
    assertEquals("1KiB", Sizes.human(1024));
    assertEquals("1.5KiB", Sizes.human(1536));
    assertEquals("15.62MiB", Sizes.human(16_380_000));
    assertEquals("16MiB", Sizes.human(16L << 20));
    assertEquals("1.95GiB", Sizes.human(2_095_000_000L));
    assertEquals("1TiB", Sizes.human(1L << 40));
    assertEquals("8EiB", Sizes.human(Long.MAX_VALUE));
  }
}
