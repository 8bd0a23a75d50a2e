package org.fleetupgrade.status;

public enum GatePhase {
  SOAKING,
  VERIFYING_HEALTH,
  WAITING_APPROVAL,
  WAITING_WINDOW,
  PASSED
}
