package org.fleetupgrade.status;

public enum StageState {
  PENDING,
  RUNNING,
  BLOCKED,
  PAUSED,
  DONE,
  /** Preflight found the stage at the target and healthy: nothing was done. */
  ALREADY_AT_TARGET,
  ABORTED;

  public boolean finished() {
    return this == DONE || this == ALREADY_AT_TARGET || this == ABORTED;
  }
}
