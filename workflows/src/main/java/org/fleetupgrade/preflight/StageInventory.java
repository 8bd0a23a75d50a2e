package org.fleetupgrade.preflight;

import java.util.List;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * What preflight found in a stage. {@code clusterVersion} is the kubeadm-config ConfigMap's
 * kubernetesVersion: the version the control plane as a whole is at.
 */
public record StageInventory(
    ReleaseVersion clusterVersion,
    List<ControlPlaneMember> members,
    List<PlatformNode> platformNodes,
    List<String> virtualNodes) {

  public StageInventory {
    members = List.copyOf(members);
    platformNodes = List.copyOf(platformNodes);
    virtualNodes = List.copyOf(virtualNodes);
  }
}
