package org.fleetupgrade.preflight;

import java.util.List;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.fleet.PlatformNode;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * What preflight found in a stage. {@code clusterVersion} is the kubeadm-config ConfigMap's
 * kubernetesVersion: the version the control plane as a whole is at. Platform nodes are counted,
 * not listed ({@code platformNodes} is empty): 20,000 of them make a 1.4 MB result, and the rolling
 * reboot reads them page by page. Results recorded before list them, with no count.
 */
public record StageInventory(
    ReleaseVersion clusterVersion,
    List<ControlPlaneMember> members,
    List<PlatformNode> platformNodes,
    List<String> virtualNodes,
    int platformCount) {

  public StageInventory {
    members = List.copyOf(members);
    platformNodes = platformNodes == null ? List.of() : List.copyOf(platformNodes);
    virtualNodes = List.copyOf(virtualNodes);
  }

  /** A stage's inventory with its platform nodes counted only. */
  public static StageInventory counted(ReleaseVersion clusterVersion, List<ControlPlaneMember> members,
      int platformNodes, List<String> virtualNodes) {
    return new StageInventory(clusterVersion, members, List.of(), virtualNodes, platformNodes);
  }

  /** The platform nodes, counted or (in results recorded before) listed. */
  public int platformTotal() {
    return Math.max(platformCount, platformNodes.size());
  }
}
