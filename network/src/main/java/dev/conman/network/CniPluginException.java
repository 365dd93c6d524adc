package dev.conman.network;

/**
 * A CNI plugin that exited with an error (or was killed at its timeout). The message names the
 * plugin and the command and carries the plugin's own error: the {@code msg} and
 * {@code details} of the error JSON it printed on stdout, or its raw output when it printed none.
 */
public class CniPluginException extends NetworkException {

  private final String plugin;
  private final String command;
  private final int code;
  private final String pluginMessage;
  private final String details;

  public CniPluginException(Kind kind, String plugin, String command, int code, String pluginMessage,
      String details, String message) {
    super(kind, message);
    this.plugin = plugin;
    this.command = command;
    this.code = code;
    this.pluginMessage = pluginMessage;
    this.details = details;
  }

  /** The plugin's type, e.g. {@code bridge}. */
  public String plugin() {
    return plugin;
  }

  /** ADD or DEL. */
  public String command() {
    return command;
  }

  /** The CNI error code from the plugin's error JSON; -1 when there was none. */
  public int code() {
    return code;
  }

  /** The {@code msg} of the plugin's error JSON (or its raw output); may be empty. */
  public String pluginMessage() {
    return pluginMessage;
  }

  /** The {@code details} of the plugin's error JSON; may be empty. */
  public String details() {
    return details;
  }
}
