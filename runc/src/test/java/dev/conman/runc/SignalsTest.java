package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SignalsTest {

  @ParameterizedTest
  @CsvSource({"SIGTERM,15", "TERM,15", "term,15", "15,15", " sigkill ,9", "HUP,1", "SIGSYS,31",
      "IOT,6", "SIGCLD,17", "poll,29", "SIGRTMIN,34", "RTMIN+1,35", "SIGRTMAX-1,63", "RTMAX,64",
      "64,64", "1,1", "32,32"})
  void parsesNamesAndNumbers(String text, int expected) {
    assertEquals(expected, Signals.parse(text));
  }

  @ParameterizedTest
  @ValueSource(strings = {"0", "65", "99999999999", "-1", "FOO", "SIG", "", "RTMIN+31", "RTMAX-31",
      "RTMIN+x", "15x"})
  void rejectsUnknownAndOutOfRange(String text) {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Signals.parse(text));
    assertTrue(e.getMessage().contains("signal"), e.getMessage());
  }

  @Test
  void messagesSayWhatIsAllowed() {
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Signals.parse("65"))
        .getMessage().contains("1 to 64"));
    assertTrue(assertThrows(IllegalArgumentException.class, () -> Signals.parse("SIGFOO"))
        .getMessage().contains("'SIGFOO'"));
  }

  @ParameterizedTest
  @CsvSource({"15,SIGTERM", "9,SIGKILL", "6,SIGABRT", "32,SIG32", "34,SIGRTMIN", "35,SIGRTMIN+1",
      "49,SIGRTMIN+15", "50,SIGRTMAX-14", "63,SIGRTMAX-1", "64,SIGRTMAX"})
  void namesNumbersLikeKillL(int signal, String name) {
    assertEquals(name, Signals.name(signal));
  }

  @Test
  void everyNameParsesBackToItsNumber() {
    for (int n = Signals.MIN; n <= Signals.MAX; n++) {
      assertEquals(n, Signals.parse(Signals.name(n).replace("SIG32", "32").replace("SIG33", "33")));
    }
  }

  @Test
  void checkRejectsOutOfRange() {
    assertThrows(IllegalArgumentException.class, () -> Signals.check(0));
    assertThrows(IllegalArgumentException.class, () -> Signals.name(65));
    assertEquals(64, Signals.check(64));
  }
}
