package org.fleetupgrade.controlplane.drain;

import java.time.Duration;

/**
 * How a drain behaves: how long it may take in all, how long to wait between evictions a
 * PodDisruptionBudget refused, and whether pods without a controller may be evicted (they are not
 * recreated anywhere: force is an explicit choice in the config).
 */
public record DrainSettings(Duration timeout, Duration retryInterval, boolean force) {

  public static final DrainSettings DEFAULT = new DrainSettings(Duration.ofMinutes(10), Duration.ofSeconds(5), false);
}
