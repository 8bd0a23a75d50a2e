package org.fleetupgrade.reboot.trigger;

import java.util.Arrays;
import java.util.stream.Collectors;

/** How a stage's nodes are rebooted, by the name the configuration uses. */
public enum RebootMethod {
  /** Runs the reboot command over SSH. */
  SSH("ssh"),
  /** Asks M-Lab's reboot service (github.com/m-lab/reboot-service) to reboot the host. */
  REBOOT_API("reboot-api"),
  /** Creates kured's sentinel file over SSH; kured reboots the node when it next checks. */
  KURED_SENTINEL("kured-sentinel");

  private final String configName;

  RebootMethod(String configName) {
    this.configName = configName;
  }

  public String configName() {
    return configName;
  }

  /** The method named {@code name} exactly as in the configuration; anything else is refused. */
  public static RebootMethod parse(String name) {
    for (RebootMethod method : values()) {
      if (method.configName.equals(name)) {
        return method;
      }
    }
    throw new IllegalArgumentException("unknown reboot method '" + name + "': valid methods are " + validNames());
  }

  static String validNames() {
    return Arrays.stream(values()).map(RebootMethod::configName).collect(Collectors.joining(", "));
  }
}
