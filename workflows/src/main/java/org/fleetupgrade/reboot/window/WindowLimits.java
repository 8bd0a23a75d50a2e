package org.fleetupgrade.reboot.window;

/**
 * The rollout's budget: nodes in flight in the stage and per site, how many nodes go first alone
 * (the canary), and how many nodes may fail before no new one starts.
 */
public record WindowLimits(int maxUnavailable, int maxPerSite, int canary, int maxFailedNodes) {

  public WindowLimits {
    if (maxUnavailable < 1 || maxPerSite < 1) {
      throw new IllegalArgumentException("maxUnavailable and maxPerSite must be at least 1");
    }
    if (canary < 0 || maxFailedNodes < 0) {
      throw new IllegalArgumentException("canary and maxFailedNodes must not be negative");
    }
  }
}
