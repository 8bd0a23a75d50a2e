package org.fleetupgrade.reboot.trigger;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import org.fleetupgrade.controlplane.ScriptFailures;
import org.fleetupgrade.controlplane.ssh.SshFailure;

/**
 * The failures a trigger throws. A refusal (sudo said no, the reboot service answered 4xx) is not
 * retried: the same request would be refused again. An unreachable node or service is retried. SSH
 * failures keep the types the control-plane scripts use, so operators see one vocabulary.
 */
public final class RebootFailures {

  /** The node or the reboot service refused the reboot: non-retryable. */
  public static final String REBOOT_REFUSED = "RebootRefused";
  /** The reboot service could not be reached or failed: retryable. */
  public static final String REBOOT_SERVICE_UNAVAILABLE = "RebootServiceUnavailable";
  /** The name to reboot is not a host name: non-retryable (a bug upstream, not a node's state). */
  public static final String NOT_A_HOST_NAME = "NotAHostName";
  /** The host key or the login was refused: non-retryable. */
  public static final String SSH_REFUSED = ScriptFailures.SSH_REFUSED;
  /** The SSH connection failed or timed out: retryable. */
  public static final String SSH_UNAVAILABLE = ScriptFailures.SSH_UNAVAILABLE;

  private static final int MAX_NAME = 253;

  private RebootFailures() {}

  /** {@code node} if it is a DNS name or an IPv4 address; anything else never reaches SSH or a URL. */
  static String requireHostName(String node) {
    if (node == null || node.isEmpty() || node.length() > MAX_NAME
        || !node.matches("[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?") || node.contains("..")) {
      throw ApplicationFailure.newNonRetryableFailure("'" + node + "' is not a node's host name: nothing was"
          + " rebooted", NOT_A_HOST_NAME);
    }
    return node;
  }

  /** A failure of SSH itself (before the command ran, or when its session was lost). */
  static ApplicationFailure ssh(String node, SshFailure e, String consequence) {
    String message = node + ": " + e.getMessage() + (consequence.isEmpty() ? "" : "; " + consequence);
    return e.kind().retryable()
        ? ApplicationFailure.newFailure(message, SSH_UNAVAILABLE)
        : ApplicationFailure.newNonRetryableFailure(message, SSH_REFUSED);
  }

  /** The command ran and exited non-zero: the node refused (e.g. sudo wants a password). */
  static ApplicationFailure commandFailed(String node, String command, int exitStatus, List<String> tail) {
    return ApplicationFailure.newNonRetryableFailure(node + ": `" + command + "` exited " + exitStatus
        + " (fix the node's sudoers or the configured command, then retry); output ends:\n"
        + (tail.isEmpty() ? "(no output)" : String.join("\n", tail)), REBOOT_REFUSED);
  }

  /**
   * An SSH failure without a cause happened after the command started: the executor raises those
   * itself (connection closed before an exit status, or no exit within the deadline), while failures
   * to connect or log in always carry the I/O exception that caused them.
   */
  static boolean afterCommandStarted(SshFailure e) {
    return e.getCause() == null;
  }
}
