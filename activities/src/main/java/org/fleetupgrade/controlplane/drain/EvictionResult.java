package org.fleetupgrade.controlplane.drain;

import java.util.List;

/**
 * What a drain did: pods evicted, pods left alone on purpose, and pods still blocked by a
 * PodDisruptionBudget when the drain ran out of time. Complete when nothing is blocked.
 */
public record EvictionResult(String node, List<String> evicted, List<String> leftAlone, List<BlockedPod> blocked) {

  public EvictionResult {
    evicted = List.copyOf(evicted);
    leftAlone = List.copyOf(leftAlone);
    blocked = List.copyOf(blocked);
  }

  public boolean complete() {
    return blocked.isEmpty();
  }
}
