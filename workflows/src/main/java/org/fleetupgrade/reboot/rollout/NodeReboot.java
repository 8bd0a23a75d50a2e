package org.fleetupgrade.reboot.rollout;

import java.time.Duration;
import org.fleetupgrade.reboot.node.NodeTarget;

/** One node's reboot: the node, how long it may take to come back, and whether to drain it first. */
public record NodeReboot(NodeTarget target, Duration deadline) {}
