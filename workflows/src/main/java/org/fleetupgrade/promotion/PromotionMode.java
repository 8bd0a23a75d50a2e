package org.fleetupgrade.promotion;

/** How a soaked stage is promoted to the next one. */
public enum PromotionMode {
  /** As soon as the soak is over and health re-verifies. */
  AUTO,
  /** Waits for an operator's {@code approve}. */
  APPROVAL,
  /** Waits for the next weekly promotion window. */
  WINDOW,
  /**
   * Waits for the weekly promotion: a Temporal Schedule runs {@link WeeklyPromotionWorkflow}, which
   * promotes every upgrade waiting at such a gate (an operator's approve does it too).
   */
  SCHEDULED
}
