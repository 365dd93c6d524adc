package dev.conman.runc;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SecurityTest {

  private static final Set<String> EVERY = Set.copyOf(Capabilities.ALL);

  @Test
  void defaultsAreDockers() {
    Security d = Security.defaults();
    assertEquals(User.ROOT, d.user());
    assertTrue(d.noNewPrivileges());
    assertFalse(d.privileged());
    assertEquals(14, Capabilities.DEFAULT.size());
    assertEquals(Capabilities.DEFAULT, d.capabilities(EVERY));
    assertEquals(41, Capabilities.ALL.size());
  }

  @Test
  void namesAreNormalizedWithOrWithoutThePrefix() {
    assertEquals("CAP_NET_ADMIN", Capabilities.normalize("net_admin"));
    assertEquals("CAP_NET_ADMIN", Capabilities.normalize(" Cap_Net_Admin "));
    assertEquals("ALL", Capabilities.normalize("all"));
    Security s = new Security(null, List.of("sys_admin", "CAP_SYS_ADMIN"), null, false, true);
    assertEquals(List.of("CAP_SYS_ADMIN"), s.capAdd());
    assertEquals(List.of(), s.capDrop());
  }

  @Test
  void unknownNamesAreRejectedClearly() {
    for (String bad : List.of("NET_ADMINN", "CAP_", "", "CAP_ALL", "sys admin")) {
      IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
          () -> Security.defaults().withCapabilities(List.of(bad), List.of()));
      assertTrue(e.getMessage().contains("capability"), e.getMessage());
    }
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Security.defaults().withCapabilities(List.of(), List.of("FOO")));
    assertEquals("unknown capability 'FOO' (names like NET_ADMIN or CAP_NET_ADMIN, or ALL)", e.getMessage());
  }

  @Test
  void addAndDropFollowDockersRules() {
    List<String> caps = Security.defaults().withCapabilities(List.of("NET_ADMIN"), List.of("CHOWN", "KILL"))
        .capabilities(EVERY);
    assertTrue(caps.contains("CAP_NET_ADMIN"));
    assertFalse(caps.contains("CAP_CHOWN") || caps.contains("CAP_KILL"));
    assertEquals(Capabilities.DEFAULT.size() - 1, caps.size());

    assertEquals(List.of("CAP_NET_BIND_SERVICE"),
        Security.defaults().withCapabilities(List.of("NET_BIND_SERVICE"), List.of("ALL")).capabilities(EVERY));
    assertEquals(List.of(), Security.defaults().withCapabilities(List.of(), List.of("ALL")).capabilities(EVERY));

    List<String> all = Security.defaults().withCapabilities(List.of("ALL"), List.of("SYS_ADMIN")).capabilities(EVERY);
    assertEquals(40, all.size());
    assertFalse(all.contains("CAP_SYS_ADMIN"));
  }

  @Test
  void everyCapabilityMeansEveryOneTheHostHas() {
    Set<String> host = Capabilities.parseBounding("Name:\tjava\nCapInh:\t0000000000000000\n"
        + "CapBnd:\t000001fffeffffff\nCapAmb:\t0000000000000000\n");
    assertEquals(40, host.size());
    assertFalse(host.contains("CAP_SYS_RESOURCE"));
    assertEquals(EVERY, Capabilities.parseBounding("no such line"));

    List<String> privileged = Security.defaults().withPrivileged(true).capabilities(host);
    assertEquals(40, privileged.size());
    assertFalse(privileged.contains("CAP_SYS_RESOURCE"));
    assertFalse(Security.defaults().withCapabilities(List.of("ALL"), List.of()).capabilities(host)
        .contains("CAP_SYS_RESOURCE"));

    Security.defaults().withCapabilities(List.of("ALL", "NET_ADMIN"), List.of()).checkHost(host);
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> Security.defaults().withCapabilities(List.of("SYS_RESOURCE"), List.of()).checkHost(host));
    assertTrue(e.getMessage().contains("[CAP_SYS_RESOURCE] cannot be added"), e.getMessage());
    assertTrue(Capabilities.hostBounding().containsAll(Capabilities.DEFAULT));
  }

  @Test
  void usersAreRangeChecked() {
    assertEquals(4_294_967_294L, new User(4_294_967_294L, 0).uid());
    assertThrows(IllegalArgumentException.class, () -> new User(-1, 0));
    assertThrows(IllegalArgumentException.class, () -> new User(0, 4_294_967_295L));
    assertThrows(IllegalArgumentException.class, () -> new User(0, 0, List.of(5L, 5L)));
    assertTrue(User.ROOT.isRoot());
  }
}
