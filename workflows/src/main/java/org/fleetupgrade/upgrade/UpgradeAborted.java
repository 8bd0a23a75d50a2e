package org.fleetupgrade.upgrade;

/** Unwinds a workflow after an operator's abort; caught at the top of each workflow method. */
final class UpgradeAborted extends RuntimeException {
  private static final long serialVersionUID = 1L;

  UpgradeAborted(String reason) {
    super(reason, null, false, false);
  }
}
