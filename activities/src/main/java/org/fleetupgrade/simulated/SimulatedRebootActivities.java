package org.fleetupgrade.simulated;

import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.reboot.RebootActivities;
import org.fleetupgrade.reboot.WaveResult;
import org.fleetupgrade.version.ReleaseVersion;

public class SimulatedRebootActivities implements RebootActivities {

  private final SimulatedFleet fleet;

  public SimulatedRebootActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public WaveResult rebootWave(String stage, List<String> nodes, ReleaseVersion target) {
    SimulatedFleet.Cluster cluster = fleet.cluster(stage);
    if (!cluster.bootImage().equals(target)) {
      // A reboot now would boot the old image again: refuse instead of churning the fleet.
      throw ApplicationFailure.newNonRetryableFailure("the boot image of " + stage + " is "
          + cluster.bootImage() + ", not " + target + ": build images first", "NoImageForTarget");
    }
    List<SimulatedFleet.Node> toReboot = new ArrayList<>();
    List<String> already = new ArrayList<>();
    for (String name : nodes) {
      SimulatedFleet.Node node = cluster.platformNode(name);
      if (node.kubelet.equals(target) && node.ready) {
        already.add(name);
      } else {
        fleet.maybeFail("reboot", stage, name);
        toReboot.add(node);
      }
    }
    toReboot.forEach(cluster::startReboot);
    fleet.save();
    SimulatedWork.take(fleet.timing().nodeReboot(), "rebooting " + toReboot.size() + " nodes");
    toReboot.forEach(cluster::finishReboot);
    return new WaveResult(toReboot.stream().map(n -> n.name).toList(), already);
  }
}
