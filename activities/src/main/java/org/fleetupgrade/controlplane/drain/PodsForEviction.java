package org.fleetupgrade.controlplane.drain;

import io.fabric8.kubernetes.api.model.Pod;
import java.util.List;

/**
 * The pods on a node sorted as kubectl drain --ignore-daemonsets --delete-emptydir-data sorts them:
 * to evict, left alone (DaemonSet and mirror pods, with why), and refused (no controller, so nothing
 * would recreate them, unless force).
 */
public record PodsForEviction(List<Pod> toEvict, List<String> leftAlone, List<String> unmanaged) {

  public PodsForEviction {
    toEvict = List.copyOf(toEvict);
    leftAlone = List.copyOf(leftAlone);
    unmanaged = List.copyOf(unmanaged);
  }
}
