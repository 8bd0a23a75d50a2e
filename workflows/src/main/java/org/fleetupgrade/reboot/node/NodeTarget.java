package org.fleetupgrade.reboot.node;

import org.fleetupgrade.version.ReleaseVersion;

/**
 * One platform node of a stage's rollout, and the kubelet version it must come back with.
 * {@code rollout} names who cordons it (the rollout's workflow id), so only we uncordon what we cordoned.
 */
public record NodeTarget(String stage, String node, ReleaseVersion target, String rollout) {}
