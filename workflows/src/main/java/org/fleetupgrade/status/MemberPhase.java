package org.fleetupgrade.status;

public enum MemberPhase {
  PENDING,
  DRAINING,
  UPGRADING,
  VERIFYING,
  UNCORDONING,
  DONE
}
