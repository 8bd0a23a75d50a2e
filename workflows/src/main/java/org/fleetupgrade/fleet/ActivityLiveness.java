package org.fleetupgrade.fleet;

import io.temporal.activity.ActivityOptions;
import io.temporal.workflow.Workflow;
import java.time.Duration;

/**
 * How soon an activity attempt whose worker went silent (killed, lost) is given up and retried.
 * A real step keeps its own timeouts: 2 minutes without a heartbeat, or its start-to-close timeout
 * for the short steps that do not heartbeat. A simulated stage may ask for less
 * ({@link StagePlan#heartbeatTimeout}): its long steps heartbeat every 250 ms and the others take
 * milliseconds, so every activity of the stage is given that heartbeat timeout. Timeouts are not
 * part of the commands a replay compares, so this changes no history.
 */
public final class ActivityLiveness {

  private ActivityLiveness() {}

  /** {@code options}, with a heartbeat timeout of at most {@code heartbeatTimeout} when one is set. */
  public static ActivityOptions bounded(ActivityOptions options, Duration heartbeatTimeout) {
    if (heartbeatTimeout == null || heartbeatTimeout.isZero() || heartbeatTimeout.isNegative()) {
      return options;
    }
    Duration own = options.getHeartbeatTimeout();
    if (own != null && !own.isZero() && own.compareTo(heartbeatTimeout) <= 0) {
      return options;
    }
    return ActivityOptions.newBuilder(options).setHeartbeatTimeout(heartbeatTimeout).build();
  }

  /** A workflow's activity stub with {@code options} {@link #bounded} by {@code heartbeatTimeout}. */
  public static <T> T stub(Class<T> activities, ActivityOptions options, Duration heartbeatTimeout) {
    return Workflow.newActivityStub(activities, bounded(options, heartbeatTimeout));
  }
}
