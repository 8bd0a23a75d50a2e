package org.fleetupgrade.alerts;

import java.time.Duration;
import java.util.Objects;

/**
 * A stage's alert gate, as the workflows need it: only the timing (the endpoint and matchers stay
 * in the worker's config; the activity looks them up by stage). A disruptive step waits while a
 * blocking alert fires, polling from {@code pollInterval}, doubling up to {@code maxPoll}; past
 * {@code blockAfter} the step blocks for an operator. The rolling reboot asks at most once per
 * {@code cacheFor} of workflow time.
 */
public record AlertGate(Duration pollInterval, Duration maxPoll, Duration blockAfter, Duration cacheFor) {

  public static final Duration DEFAULT_POLL = Duration.ofMinutes(1);
  public static final Duration DEFAULT_MAX_POLL = Duration.ofMinutes(10);
  public static final Duration DEFAULT_BLOCK_AFTER = Duration.ofHours(2);
  public static final Duration DEFAULT_CACHE_FOR = Duration.ofMinutes(1);

  public AlertGate {
    Objects.requireNonNull(pollInterval, "pollInterval");
    Objects.requireNonNull(maxPoll, "maxPoll");
    Objects.requireNonNull(blockAfter, "blockAfter");
    Objects.requireNonNull(cacheFor, "cacheFor");
    if (pollInterval.isNegative() || pollInterval.isZero()) {
      throw new IllegalArgumentException("pollInterval must be positive");
    }
    if (maxPoll.compareTo(pollInterval) < 0) {
      throw new IllegalArgumentException("maxPoll (" + maxPoll + ") is shorter than pollInterval (" + pollInterval + ")");
    }
  }

  public static AlertGate defaults() {
    return new AlertGate(DEFAULT_POLL, DEFAULT_MAX_POLL, DEFAULT_BLOCK_AFTER, DEFAULT_CACHE_FOR);
  }

  /** The next poll after {@code last}: doubled, at most {@code maxPoll}. */
  public Duration nextPoll(Duration last) {
    Duration doubled = last.multipliedBy(2);
    return doubled.compareTo(maxPoll) > 0 ? maxPoll : doubled;
  }
}
