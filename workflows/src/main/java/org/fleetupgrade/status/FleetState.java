package org.fleetupgrade.status;

/** Where a whole upgrade stands; also the value of the FleetUpgradeState search attribute. */
public enum FleetState {
  REVIEWING,
  RUNNING,
  BLOCKED,
  GATE,
  PAUSED,
  COMPLETED,
  ABORTED;

  public boolean finished() {
    return this == COMPLETED || this == ABORTED;
  }
}
