package dev.conman.network;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import org.junit.jupiter.api.Test;

class CniResultTest {

  /** What Debian 12's bridge plugin printed here (portmap and firewall pass it on unchanged). */
  static final String BRIDGE_RESULT = """
      {
          "cniVersion": "1.0.0",
          "interfaces": [
              {"name": "conman0", "mac": "9a:1f:34:aa:ab:81"},
              {"name": "veth406964de", "mac": "56:31:71:d4:a4:e1"},
              {"name": "eth0", "mac": "12:68:5f:6c:4d:a2", "sandbox": "/run/netns/conman-abc"}
          ],
          "ips": [{"interface": 2, "address": "10.88.0.2/16", "gateway": "10.88.0.1"}],
          "routes": [{"dst": "0.0.0.0/0"}],
          "dns": {}
      }""";

  @Test
  void parsesTheBridgePluginsResult() throws IOException {
    CniResult r = CniResult.parse(BRIDGE_RESULT, "eth0");
    assertEquals("10.88.0.2", r.ip());
    assertEquals(16, r.prefixLength());
    assertEquals("10.88.0.1", r.gateway());
    assertEquals("12:68:5f:6c:4d:a2", r.mac());
    assertEquals("1.0.0", r.raw().get("cniVersion").asText());
  }

  @Test
  void skipsIpv6AndHostSideAddressesAndReadsOlderVersions() throws IOException {
    CniResult r = CniResult.parse("""
        {"cniVersion":"0.4.0",
         "interfaces":[{"name":"br0","mac":"aa:aa:aa:aa:aa:aa"},{"name":"eth0","mac":"02:00:00:00:00:01","sandbox":"/x"}],
         "ips":[{"version":"4","interface":0,"address":"10.1.0.1/24"},
                {"version":"6","interface":1,"address":"fd00::2/64","gateway":"fd00::1"},
                {"version":"4","interface":1,"address":"10.1.0.7/24","gateway":"10.1.0.1"}]}""", "eth0");
    assertEquals("10.1.0.7", r.ip());
    assertEquals(24, r.prefixLength());
    assertEquals("02:00:00:00:00:01", r.mac());

    CniResult old = CniResult.parse("{\"cniVersion\":\"0.2.0\",\"ip4\":{\"ip\":\"10.2.0.5/16\",\"gateway\":\"10.2.0.1\"}}", "eth0");
    assertEquals("10.2.0.5", old.ip());
    assertEquals(16, old.prefixLength());
    assertEquals("10.2.0.1", old.gateway());
    assertNull(old.mac());
  }

  @Test
  void aResultWithoutAddressHasNoIp() throws IOException {
    CniResult r = CniResult.parse("{\"cniVersion\":\"1.0.0\",\"interfaces\":[{\"name\":\"lo\",\"sandbox\":\"/x\"}],"
        + "\"ips\":[{\"interface\":0,\"address\":\"::1/128\"}]}", "eth0");
    assertNull(r.ip());
    assertEquals(-1, r.prefixLength());
  }

  @Test
  void garbageIsAnError() {
    assertThrows(IOException.class, () -> CniResult.parse("not json", "eth0"));
    assertThrows(IOException.class, () -> CniResult.parse("", "eth0"));
    assertThrows(IOException.class, () -> CniResult.parse("[1,2]", "eth0"));
  }
}
