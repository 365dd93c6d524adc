package dev.conman.network;

import java.io.IOException;
import java.net.BindException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.ServerSocket;

/** Refuses a host port a process on the host is bound to; portmap's DNAT would silently take it over. */
interface PortProbe {

  void check(PortMapping port) throws NetworkException;

  PortProbe NONE = port -> { };

  /** Binds and closes a socket on the port: no traffic is sent. */
  PortProbe HOST = port -> {
    InetSocketAddress address = new InetSocketAddress(port.hostIp().isEmpty() ? "0.0.0.0" : port.hostIp(),
        port.hostPort());
    try {
      if (port.protocol().equals("udp")) {
        try (DatagramSocket socket = new DatagramSocket(null)) {
          socket.setReuseAddress(true);
          socket.bind(address);
        }
      } else {
        try (ServerSocket socket = new ServerSocket()) {
          socket.setReuseAddress(true);
          socket.bind(address);
        }
      }
    } catch (BindException e) {
      String why = String.valueOf(e.getMessage());
      if (why.contains("assign requested address")) {
        throw new NetworkException(NetworkException.Kind.INVALID, "cannot publish " + port.display() + ": "
            + port.hostIp() + " is not an address of this host");
      }
      throw new NetworkException(NetworkException.Kind.PORT_CONFLICT, "cannot publish " + port.display()
          + ": host port " + port.hostPort() + "/" + port.protocol() + " is in use by a process on the host ("
          + why + ")");
    } catch (IOException e) {
      throw new NetworkException(NetworkException.Kind.SYSTEM, "cannot check host port " + port.display() + ": "
          + e.getMessage(), e);
    }
  };
}
