package org.fleetupgrade.images;

import io.temporal.activity.ActivityExecutionContext;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Heartbeats on a timer while silent work runs (a clone or a push can take minutes and reports
 * nothing), so Temporal neither times the attempt out nor starts a second one beside it.
 */
final class TimerHeartbeat {

  static final Duration PERIOD = Duration.ofSeconds(30);

  private TimerHeartbeat() {}

  /** Runs {@code work} on this (the activity's) thread, heartbeating {@code doing} every period. */
  static <T> T during(ActivityExecutionContext context, String doing, Supplier<T> work) {
    ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat: " + doing);
      t.setDaemon(true);
      return t;
    });
    try {
      context.heartbeat(doing);
      timer.scheduleAtFixedRate(() -> {
        try {
          context.heartbeat(doing);
        } catch (RuntimeException cancelledOrGone) {
          // The next heartbeat from the activity thread, or its result, reports it.
        }
      }, PERIOD.toMillis(), PERIOD.toMillis(), TimeUnit.MILLISECONDS);
      return work.get();
    } finally {
      timer.shutdownNow();
    }
  }
}
