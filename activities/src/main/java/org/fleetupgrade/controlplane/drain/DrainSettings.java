package org.fleetupgrade.controlplane.drain;

import java.time.Duration;

/**
 * How a drain behaves: how long it may take in all, how long to wait between evictions a
 * PodDisruptionBudget refused, whether pods without a controller may be evicted (they are not
 * recreated anywhere: force is an explicit choice in the config), and whether a node whose drain is
 * refused for such pods is left cordoned (so nothing new lands while an operator looks) instead of
 * serving as before.
 */
public record DrainSettings(Duration timeout, Duration retryInterval, boolean force, boolean keepCordonedOnRefusal) {

  public static final DrainSettings DEFAULT = new DrainSettings(Duration.ofMinutes(10), Duration.ofSeconds(5), false);

  public DrainSettings(Duration timeout, Duration retryInterval, boolean force) {
    this(timeout, retryInterval, force, false);
  }
}
