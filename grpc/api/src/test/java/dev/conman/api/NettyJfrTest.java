package dev.conman.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class NettyJfrTest {

  private final String before = System.getProperty(NettyJfr.PROPERTY);

  @AfterEach
  void restore() {
    if (before == null) {
      System.clearProperty(NettyJfr.PROPERTY);
    } else {
      System.setProperty(NettyJfr.PROPERTY, before);
    }
  }

  @Test
  void turnsTheEventsOffWhenNobodySaid() {
    System.clearProperty(NettyJfr.PROPERTY);
    NettyJfr.offUnlessSet();
    assertEquals("false", System.getProperty(NettyJfr.PROPERTY));
  }

  @Test
  void leavesAGivenSettingAlone() {
    System.setProperty(NettyJfr.PROPERTY, "true");
    NettyJfr.offUnlessSet();
    assertEquals("true", System.getProperty(NettyJfr.PROPERTY));
  }
}
