package org.fleetupgrade.simulated;

import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.version.ReleaseVersion;

public class SimulatedHealthActivities implements HealthActivities {

  private final SimulatedFleet fleet;

  public SimulatedHealthActivities(SimulatedFleet fleet) {
    this.fleet = fleet;
  }

  @Override
  public HealthReport check(String stage, ReleaseVersion target) {
    fleet.maybeFail("health", stage, null);
    return fleet.health(stage, target);
  }
}
