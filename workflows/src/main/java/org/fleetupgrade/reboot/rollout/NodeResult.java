package org.fleetupgrade.reboot.rollout;

import org.fleetupgrade.reboot.window.NodeFate;

/** How one node's reboot ended, why, and how long it took (seconds; 0 when nothing was rebooted). */
public record NodeResult(String node, NodeFate fate, String detail, long seconds) {}
