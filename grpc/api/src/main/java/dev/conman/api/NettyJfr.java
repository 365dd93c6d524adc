package dev.conman.api;

/**
 * Keeps netty from starting JFR. grpc's netty has JFR events for its buffer allocator: the first
 * pooled buffer of a connection registers them, which starts JFR's metadata repository even when
 * nobody records. That cost 40 ms of the first call to a freshly started daemon (the first list of
 * 100 containers: 131-146 -> 82-97 ms) and as much of conmanctl's 300 ms budget.
 */
public final class NettyJfr {

  /** grpc-netty-shaded's name for netty's {@code io.netty.jfr.enabled}. */
  static final String PROPERTY = "io.grpc.netty.shaded.io.netty.jfr.enabled";

  private NettyJfr() {}

  /** Turns the events off unless the property is set; call before netty's first use. */
  public static void offUnlessSet() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, "false");
    }
  }
}
