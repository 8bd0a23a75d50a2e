package org.fleetupgrade.reboot.rollout;

import java.time.Duration;
import org.fleetupgrade.reboot.node.NodeTarget;

/**
 * One node's reboot: the node, how long it may take to come back, how soon to look first (null in
 * histories from before it was configurable: 30 s), and whether it reports its result to the
 * rollout by signal (the rollout continues as new with nodes in flight, so the run that started a
 * node may not be the one that hears it end; false in histories from before), and the fastest
 * reboot the rollout has seen so far (null: none yet), around which the node is looked at often;
 * {@code heartbeatTimeout} bounds its activities' silence (null: their own timeouts; see
 * {@link org.fleetupgrade.fleet.ActivityLiveness}).
 */
public record NodeReboot(NodeTarget target, Duration deadline, Duration firstLook, boolean reportsBack,
    Duration fastestSeen, Duration heartbeatTimeout) {

  public NodeReboot(NodeTarget target, Duration deadline) {
    this(target, deadline, null, false, null, null);
  }

  public NodeReboot(NodeTarget target, Duration deadline, Duration firstLook, boolean reportsBack,
      Duration fastestSeen) {
    this(target, deadline, firstLook, reportsBack, fastestSeen, null);
  }
}
