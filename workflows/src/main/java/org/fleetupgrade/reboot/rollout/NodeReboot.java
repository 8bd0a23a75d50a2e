package org.fleetupgrade.reboot.rollout;

import java.time.Duration;
import org.fleetupgrade.reboot.node.NodeTarget;

/**
 * One node's reboot: the node, how long it may take to come back, and how soon to look first (null
 * in histories from before it was configurable: 30 s).
 */
public record NodeReboot(NodeTarget target, Duration deadline, Duration firstLook) {

  public NodeReboot(NodeTarget target, Duration deadline) {
    this(target, deadline, null);
  }
}
