package org.fleetupgrade.worker.cli;

/**
 * Copy-paste commands the CLI prints carry the connection the user used, so they work as printed:
 * {@code --address} when it is not {@code localhost:7233}, {@code --namespace} when not {@code default}
 * (TLS settings are left to the environment variables or flags the user already has).
 */
final class Hints {

  static final String DEFAULT_ADDRESS = "localhost:7233";
  static final String DEFAULT_NAMESPACE = "default";

  private Hints() {}

  /** " --address host:port --namespace ns", each only when not the default; "" for the defaults. */
  static String connection(String address, String namespace) {
    StringBuilder out = new StringBuilder();
    if (address != null && !address.equals(DEFAULT_ADDRESS)) {
      out.append(" --address ").append(shell(address));
    }
    if (namespace != null && !namespace.equals(DEFAULT_NAMESPACE)) {
      out.append(" --namespace ").append(shell(namespace));
    }
    return out.toString();
  }

  /** A word as a shell reads it back unchanged: as it is when plain, else in single quotes. */
  static String shell(String word) {
    if (!word.isEmpty() && word.matches("[A-Za-z0-9._/:=@%+,-]+")) {
      return word;
    }
    return "'" + word.replace("'", "'\\''") + "'";
  }

  /** {@code fleet-upgrade <command>} and the connection. */
  static String command(String command, String connection) {
    return "fleet-upgrade " + command + connection;
  }
}
