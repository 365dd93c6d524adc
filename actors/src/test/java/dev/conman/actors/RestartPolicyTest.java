package dev.conman.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RestartPolicyTest {

  @Test
  void parsesDockersPolicies() {
    assertEquals(RestartPolicy.NO, RestartPolicy.parse(""));
    assertEquals("no", RestartPolicy.parse("no").toString());
    assertEquals("on-failure:3", RestartPolicy.parse("on-failure:3").toString());
    assertEquals("on-failure", RestartPolicy.parse("on-failure").toString());
    assertEquals("always", RestartPolicy.parse("always").toString());
    assertEquals("unless-stopped", RestartPolicy.parse("unless-stopped").toString());
    for (String bad : new String[] {"sometimes", "on-failure:0", "on-failure:-1", "on-failure:x", "always:3"}) {
      assertEquals(ContainerException.Code.INVALID_ARGUMENT,
          assertThrows(ContainerException.class, () -> RestartPolicy.parse(bad)).code(), bad);
    }
  }

  @Test
  void onFailureCountsAndIgnoresSuccess() {
    RestartPolicy p = RestartPolicy.parse("on-failure:2");
    assertTrue(p.restartAfter(1, 0));
    assertTrue(p.restartAfter(null, 1), "an unknown exit code is a failure");
    assertFalse(p.restartAfter(0, 0));
    assertFalse(p.restartAfter(1, 2));
    assertTrue(RestartPolicy.parse("always").restartAfter(0, 100));
  }

  @Test
  void backoffDoublesFrom100msUpToAMinute() {
    assertEquals(Duration.ofMillis(100), RestartPolicy.delay(1));
    assertEquals(Duration.ofMillis(200), RestartPolicy.delay(2));
    assertEquals(Duration.ofMillis(800), RestartPolicy.delay(4));
    assertEquals(Duration.ofMinutes(1), RestartPolicy.delay(30));
  }
}
