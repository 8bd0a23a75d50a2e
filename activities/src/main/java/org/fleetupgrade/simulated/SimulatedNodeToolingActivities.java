package org.fleetupgrade.simulated;

import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.tooling.NodeToolingActivities;
import org.fleetupgrade.tooling.ToolingResult;
import org.fleetupgrade.version.TargetVersions;

public class SimulatedNodeToolingActivities implements NodeToolingActivities {

  private final SimulatedFleet fleet;

  public SimulatedNodeToolingActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public ToolingResult upgradeVirtualNodes(String stage, TargetVersions target) {
    SimulatedFleet.Cluster cluster = fleet.cluster(stage);
    List<String> upgraded = new ArrayList<>();
    List<String> already = new ArrayList<>();
    for (String node : cluster.inventory().virtualNodes()) {
      fleet.maybeFail("node-tooling", stage, node);
      SimulatedWork.take(fleet.timing().nodeTooling(), "upgrading tooling on " + node);
      (cluster.upgradeVirtual(node, target.kubernetes()) ? upgraded : already).add(node);
    }
    return new ToolingResult(upgraded, already);
  }
}
