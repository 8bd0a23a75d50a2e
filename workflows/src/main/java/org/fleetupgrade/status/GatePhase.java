package org.fleetupgrade.status;

public enum GatePhase {
  /** Before the first stage: the changelog review has urgent notes or warnings a person must read. */
  WAITING_ACKNOWLEDGEMENT,
  SOAKING,
  VERIFYING_HEALTH,
  WAITING_APPROVAL,
  WAITING_WINDOW,
  /** Soaked; waits for the weekly promotion Schedule (or an operator's approve). */
  WAITING_SCHEDULE,
  /** Before promoting: a blocking alert fires in the soaked stage or the next one (the alert gate). */
  WAITING_ALERTS,
  PASSED
}
