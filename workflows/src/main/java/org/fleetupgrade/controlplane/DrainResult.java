package org.fleetupgrade.controlplane;

import java.util.List;

/** What draining a member did: pods evicted, and pods left alone on purpose (DaemonSet, mirror). */
public record DrainResult(String node, int evicted, List<String> leftAlone) {

  public DrainResult {
    leftAlone = List.copyOf(leftAlone);
  }
}
