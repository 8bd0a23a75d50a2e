package org.fleetupgrade.upgrade;

/** What the fleet workflow forwards to the running stage after validating an operator's update. */
public record OperatorCommand(Kind kind, String step, String reason) {

  public enum Kind {
    PAUSE,
    RESUME,
    RETRY,
    SKIP,
    ABORT
  }
}
