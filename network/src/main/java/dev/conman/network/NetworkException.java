package dev.conman.network;

/**
 * A networking operation that failed. The message is meant for the user as is; the kind lets
 * the daemon map the failure to a status without parsing messages.
 */
public class NetworkException extends Exception {

  public enum Kind {
    /** A request the caller should not have made: bad port, bad hostname, bad subnet. */
    INVALID,
    /** A host port is already published by another container or in use by a host process. */
    PORT_CONFLICT,
    /** The container already has an attachment (attach twice without detach). */
    ALREADY_ATTACHED,
    /** A CNI plugin reported an error (see {@link CniPluginException}). */
    PLUGIN,
    /** A plugin or a helper command did not finish within its timeout and was killed. */
    TIMEOUT,
    /** Anything else on the host: ip, unshare, mount, iptables, the state directory. */
    SYSTEM
  }

  private final Kind kind;

  public NetworkException(Kind kind, String message) {
    super(message);
    this.kind = kind;
  }

  public NetworkException(Kind kind, String message, Throwable cause) {
    super(message, cause);
    this.kind = kind;
  }

  public Kind kind() {
    return kind;
  }
}
