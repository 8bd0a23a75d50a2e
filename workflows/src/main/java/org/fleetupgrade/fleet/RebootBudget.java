package org.fleetupgrade.fleet;

import java.time.Duration;
import java.util.Objects;

/**
 * How much of a stage's platform may be rebooting at once: at most {@code maxUnavailable} nodes in
 * all and at most {@code maxPerSite} at any one site, so a site never goes dark by our hand.
 * {@code waveTimeout} bounds how long one wave may take to come back Ready at the target (the wave
 * rollout of older histories); the sliding window uses {@code nodeDeadline} per node, a canary of
 * {@code canary} nodes first, and stops starting nodes past {@code maxFailedNodes} failures. The
 * last three are null in histories from before the window: {@link #limits()} fills the defaults.
 */
public record RebootBudget(int maxUnavailable, int maxPerSite, Duration waveTimeout, Integer canary,
    Integer maxFailedNodes, Duration nodeDeadline, Duration firstLook) {

  public static final int DEFAULT_CANARY = 1;
  public static final int DEFAULT_MAX_FAILED = 2;
  public static final Duration DEFAULT_NODE_DEADLINE = Duration.ofMinutes(30);

  public static final Duration DEFAULT_FIRST_LOOK = Duration.ofSeconds(30);

  public RebootBudget(int maxUnavailable, int maxPerSite, Duration waveTimeout) {
    this(maxUnavailable, maxPerSite, waveTimeout, null, null, null, null);
  }

  /** How soon after the trigger a node is first looked at (then less often, up to a minute). */
  public Duration lookAfter() {
    return firstLook == null ? DEFAULT_FIRST_LOOK : firstLook;
  }

  public org.fleetupgrade.reboot.window.WindowLimits limits() {
    return new org.fleetupgrade.reboot.window.WindowLimits(maxUnavailable, maxPerSite,
        canary == null ? DEFAULT_CANARY : canary, maxFailedNodes == null ? DEFAULT_MAX_FAILED : maxFailedNodes);
  }

  public Duration deadlinePerNode() {
    return nodeDeadline == null ? DEFAULT_NODE_DEADLINE : nodeDeadline;
  }

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
