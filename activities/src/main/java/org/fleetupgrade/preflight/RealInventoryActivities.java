package org.fleetupgrade.preflight;

import io.temporal.failure.ApplicationFailure;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.fleetupgrade.controlplane.ControlPlaneVm;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.version.InvalidVersionException;
import org.fleetupgrade.version.ReleaseVersion;

/**
 * Preflight for real stages: the cluster must answer (else the failure names stage and endpoint),
 * the control-plane VMs come from Compute Engine in zone order and must be nodes of the cluster,
 * the platform and virtual nodes and the cluster's version come from the API.
 */
public class RealInventoryActivities implements InventoryActivities {

  public static final String MEMBER_NOT_A_NODE = "ControlPlaneMemberNotANode";

  private final Map<String, RealStage> stages;

  public RealInventoryActivities(Map<String, RealStage> stages) {
    this.stages = Map.copyOf(stages);
  }

  private RealStage stage(String stage) {
    RealStage found = stages.get(stage);
    if (found == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + stage + "' has no real inventory on this worker (it has "
          + stages.keySet().stream().sorted().collect(Collectors.joining(", ")) + ")", "UnknownStage");
    }
    return found;
  }

  @Override
  public StageInventory inventory(String name) {
    RealStage stage = stage(name);
    stage.cluster().checkReachable();
    List<ControlPlaneVm> vms = stage.compute().find(stage.project(), stage.region(), stage.zones(), stage.memberNamePattern());
    ClusterNodes.Found nodes = stage.nodes().list();
    List<ControlPlaneMember> members = vms.stream().map(vm -> {
      if (!nodes.controlPlaneKubelets().containsKey(vm.name())) {
        throw ApplicationFailure.newNonRetryableFailure("stage " + name + ": control-plane VM " + vm.name() + " in "
            + vm.zone() + " is not a control-plane node of the cluster (nodes: "
            + String.join(", ", nodes.controlPlaneKubelets().keySet()) + ")", MEMBER_NOT_A_NODE);
      }
      return new ControlPlaneMember(vm.name(), vm.zone(), vm.internalIp(), vm.externalIp(),
          nodes.controlPlaneKubelets().get(vm.name()));
    }).toList();
    // Counted, not listed: the rolling reboot reads the platform nodes page by page.
    return StageInventory.counted(clusterVersion(name), members, nodes.platform().size(),
        nodes.virtual().stream().map(v -> v.name()).toList());
  }

  @Override
  public ReleaseVersion clusterVersion(String name) {
    RealStage stage = stage(name);
    stage.cluster().checkReachable();
    String version = stage.verifier().clusterVersion();
    try {
      return ReleaseVersion.parse(version);
    } catch (InvalidVersionException e) {
      throw ApplicationFailure.newNonRetryableFailure("stage " + name + ": kube-system/kubeadm-config says "
          + version, "ClusterVersionUnknown");
    }
  }
}
