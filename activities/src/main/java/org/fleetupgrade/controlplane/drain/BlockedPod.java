package org.fleetupgrade.controlplane.drain;

/** A pod whose eviction a PodDisruptionBudget refused, with the API server's words naming the budget. */
public record BlockedPod(String namespace, String name, String budget) {

  @Override
  public String toString() {
    return namespace + "/" + name + " (" + budget + ")";
  }
}
