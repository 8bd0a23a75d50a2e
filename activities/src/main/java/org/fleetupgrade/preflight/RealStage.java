package org.fleetupgrade.preflight;

import java.util.List;
import org.fleetupgrade.controlplane.ComputeControlPlaneFinder;
import org.fleetupgrade.controlplane.ControlPlaneVerifier;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.kubernetes.StageCluster;

/** What a real stage's preflight reads: its VMs in Compute Engine and its cluster's API. */
public record RealStage(
    String project, String region, List<String> zones, String memberNamePattern,
    ComputeControlPlaneFinder compute, StageCluster cluster, ClusterNodes nodes, ControlPlaneVerifier verifier) {

  public RealStage {
    zones = List.copyOf(zones);
  }
}
