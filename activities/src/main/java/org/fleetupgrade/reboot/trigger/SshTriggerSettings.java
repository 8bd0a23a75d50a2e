package org.fleetupgrade.reboot.trigger;

import java.time.Duration;
import java.util.Objects;
import org.fleetupgrade.controlplane.ssh.SshSettings;

/**
 * How the SSH-based triggers reach a node: the SSH identity and pinned host keys ({@code
 * ssh.remoteCommand()} is not used: each trigger sends its own command), the port, the reboot
 * command of {@code ssh}, the sentinel file of {@code kured-sentinel}, and how long to wait for the
 * command to exit. Command and path come from configuration only and are checked here, at load time.
 */
public record SshTriggerSettings(SshSettings ssh, int port, String rebootCommand, String sentinelPath, Duration timeout) {

  public static final int DEFAULT_PORT = 22;
  /**
   * The default; M-Lab's stage3 images only grant the reboot-api user {@code sudo /usr/bin/systemctl
   * reboot -i} (epoxy-images configs/stage3_ubuntu/etc/sudoers.d/reboot-api), so a user with narrow
   * sudo needs exactly that command configured.
   */
  public static final String DEFAULT_REBOOT_COMMAND = "sudo systemctl reboot";
  /** kured's rebootSentinel in m-lab/k8s-support helm/kured-values-overrides.yaml; /var/run links to /run. */
  public static final String DEFAULT_SENTINEL_PATH = "/run/mlab-reboot";
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

  public SshTriggerSettings {
    Objects.requireNonNull(ssh, "ssh");
    if (port < 1 || port > 65535) {
      throw new IllegalArgumentException("SSH port " + port + " is not in 1..65535");
    }
    rebootCommand = PlainCommand.require("reboot command",
        rebootCommand == null ? DEFAULT_REBOOT_COMMAND : rebootCommand);
    sentinelPath = PlainCommand.requirePath("kured sentinel path",
        sentinelPath == null ? DEFAULT_SENTINEL_PATH : sentinelPath);
    timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("SSH trigger timeout " + timeout + " must be positive");
    }
  }

  /** For config checks: the command as it would be sent, or IllegalArgumentException with the reason. */
  public static String checkCommand(String command) {
    return PlainCommand.require("reboot command", command);
  }

  /** For config checks: the sentinel path, or IllegalArgumentException with the reason. */
  public static String checkSentinel(String path) {
    return PlainCommand.requirePath("kured sentinel path", path);
  }

  /** Every default: port 22, {@value #DEFAULT_REBOOT_COMMAND}, {@value #DEFAULT_SENTINEL_PATH}, 30 s. */
  public static SshTriggerSettings of(SshSettings ssh) {
    return new SshTriggerSettings(ssh, DEFAULT_PORT, null, null, null);
  }
}
