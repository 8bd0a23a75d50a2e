package org.fleetupgrade.reboot.trigger;

/**
 * Builds a stage's trigger from its configured method. Only the settings the method uses are
 * required, so a stage on reboot-api needs no SSH key on the worker and vice versa.
 */
public final class RebootTriggers {

  private RebootTriggers() {}

  /** The trigger for {@code method}; {@code ssh} or {@code rebootApi} may be null when it does not use them. */
  public static RebootTrigger of(RebootMethod method, SshTriggerSettings ssh, RebootApiSettings rebootApi) {
    return switch (method) {
      case SSH -> new SshRebootTrigger(require(ssh, method, "SSH"));
      case KURED_SENTINEL -> new SentinelRebootTrigger(require(ssh, method, "SSH"));
      case REBOOT_API -> new RebootApiTrigger(require(rebootApi, method, "reboot API"));
    };
  }

  private static <T> T require(T settings, RebootMethod method, String what) {
    if (settings == null) {
      throw new IllegalArgumentException("reboot method " + method.configName() + " needs " + what + " settings");
    }
    return settings;
  }
}
