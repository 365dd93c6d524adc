package dev.conman.daemon;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class CommandLineArgsTest {

  @Test
  void takesValuesAfterAnEqualsSignOrAsTheNextArgument() {
    CommandLineArgs a = CommandLineArgs.parse("--root=/r", "--state", "/s", "--socket=/s/x.sock",
        "--socket-group", "conman", "--runtime=/usr/sbin/runc", "--conmon", "conmon", "--cds-training",
        "--default-network=none");
    DaemonSettings.Overrides o = a.overrides();
    assertEquals(CommandLineArgs.Action.RUN, a.action);
    assertEquals(Optional.of(Path.of("/r")), o.root());
    assertEquals(Optional.of(Path.of("/s")), o.state());
    assertEquals(Optional.of(Path.of("/s/x.sock")), o.socket());
    assertEquals(Optional.of("conman"), o.socketGroup());
    assertEquals(Optional.of("/usr/sbin/runc"), o.runtime());
    assertEquals(Optional.of("conmon"), o.conmon());
    assertEquals(Optional.of("none"), o.defaultNetwork());
    assertTrue(a.cdsTraining);
  }

  @Test
  void nothingGivenLeavesEverythingToTheConfiguration() {
    DaemonSettings.Overrides o = CommandLineArgs.parse().overrides();
    assertEquals(new DaemonSettings.Overrides(Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty()), o);
  }

  @Test
  void helpAndVersion() {
    assertEquals(CommandLineArgs.Action.HELP, CommandLineArgs.parse("--root=/r", "-h").action);
    assertEquals(CommandLineArgs.Action.HELP, CommandLineArgs.parse("--help").action);
    assertEquals(CommandLineArgs.Action.VERSION, CommandLineArgs.parse("-V").action);
    assertEquals(CommandLineArgs.Action.VERSION, CommandLineArgs.parse("--version").action);
    assertTrue(CommandLineArgs.USAGE.contains("2   invalid command line"));
  }

  @Test
  void refusesUnknownOptionsStrayArgumentsAndMissingValues() {
    assertEquals("Unknown option: '--bogus'",
        assertThrows(IllegalArgumentException.class, () -> CommandLineArgs.parse("--bogus")).getMessage());
    assertEquals("Unmatched argument at index 1: 'extra'",
        assertThrows(IllegalArgumentException.class, () -> CommandLineArgs.parse("--root=/r", "extra")).getMessage());
    assertEquals("Missing required parameter for option '--root' (DIR)",
        assertThrows(IllegalArgumentException.class, () -> CommandLineArgs.parse("--root")).getMessage());
    assertEquals("Missing required parameter for option '--state' (DIR)",
        assertThrows(IllegalArgumentException.class, () -> CommandLineArgs.parse("--state", "--root=/r")).getMessage());
  }
}
