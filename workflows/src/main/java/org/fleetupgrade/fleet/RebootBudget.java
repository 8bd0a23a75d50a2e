package org.fleetupgrade.fleet;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of a stage's platform may be rebooting at once: at most {@code maxUnavailable} nodes in
 * all and at most {@code maxPerSite} at any one site, so a site never goes dark by our hand.
 * {@code waveTimeout} bounds how long one wave may take to come back Ready at the target.
 */
public record RebootBudget(int maxUnavailable, int maxPerSite, Duration waveTimeout) {

  public RebootBudget {
    Objects.requireNonNull(waveTimeout, "waveTimeout");
    if (maxUnavailable < 1) {
      throw new IllegalArgumentException("maxUnavailable must be at least 1");
    }
    if (maxPerSite < 1) {
      throw new IllegalArgumentException("maxPerSite must be at least 1");
    }
    if (waveTimeout.isNegative() || waveTimeout.isZero()) {
      throw new IllegalArgumentException("waveTimeout must be positive");
    }
  }
}
