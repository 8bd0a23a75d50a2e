package org.fleetupgrade.simulated;

import io.temporal.activity.Activity;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;

/**
 * Takes the wall time a simulated step is configured to take, heartbeating what it is doing, so
 * the simulation exercises heartbeats and cancellation just like a real adapter.
 */
final class SimulatedWork {

  private static final long SLICE_MILLIS = 250;

  private SimulatedWork() {}

  static void take(Duration duration, String doing) {
    heartbeat(doing);
    long remaining = duration.toMillis();
    while (remaining > 0) {
      long slice = Math.min(remaining, SLICE_MILLIS);
      try {
        Thread.sleep(slice);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw ApplicationFailure.newFailure("interrupted while " + doing, "Interrupted");
      }
      remaining -= slice;
      heartbeat(doing);
    }
  }

  static void heartbeat(String doing) {
    Activity.getExecutionContext().heartbeat(doing);
  }
}
