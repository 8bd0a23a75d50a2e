package org.fleetupgrade.reboot.trigger;

import java.util.Objects;

/**
 * A reboot that was triggered: which node, by which method, and what the method saw (e.g. "ssh:
 * connection closed by the reboot", "reboot-api: HTTP 200: System reboot successful"), for history.
 */
public record TriggerResult(String node, String method, String detail) {

  public TriggerResult {
    Objects.requireNonNull(node, "node");
    Objects.requireNonNull(method, "method");
    Objects.requireNonNull(detail, "detail");
  }
}
