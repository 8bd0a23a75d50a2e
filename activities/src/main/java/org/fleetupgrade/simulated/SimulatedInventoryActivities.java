package org.fleetupgrade.simulated;

import org.fleetupgrade.preflight.InventoryActivities;
import org.fleetupgrade.preflight.StageInventory;
import org.fleetupgrade.version.ReleaseVersion;

public class SimulatedInventoryActivities implements InventoryActivities {

  private final SimulatedFleet fleet;

  public SimulatedInventoryActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public StageInventory inventory(String stage) {
    fleet.maybeFail("inventory", stage, null);
    return fleet.inventory(stage);
  }

  @Override
  public ReleaseVersion clusterVersion(String stage) {
    return fleet.clusterVersion(stage);
  }
}
