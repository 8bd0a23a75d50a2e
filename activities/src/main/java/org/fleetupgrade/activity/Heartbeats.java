package org.fleetupgrade.activity;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityWorkerShutdownException;
import java.util.function.Consumer;

/**
 * Heartbeats whose failure means the attempt is over. A heartbeat throws when the activity was
 * cancelled, timed out or is no longer known to the server (its work must stop: a retry may run
 * beside it), and also when the worker is shutting down: that one is not the attempt's end, as a
 * graceful shutdown waits for running activities, and stopping an upgrade script halfway for a
 * worker's deploy would do harm. It is not passed on.
 */
public final class Heartbeats {

  private Heartbeats() {}

  /** {@code context}'s heartbeat, without the worker's shutdown. */
  public static <T> Consumer<T> of(ActivityExecutionContext context) {
    return details -> send(context, details);
  }

  /** Heartbeats {@code details} on {@code context}; throws when the attempt is over, not when the worker shuts down. */
  public static void send(ActivityExecutionContext context, Object details) {
    try {
      context.heartbeat(details);
    } catch (ActivityWorkerShutdownException shuttingDown) {
      // The activity may complete: awaitTermination waits for it.
    }
  }
}
