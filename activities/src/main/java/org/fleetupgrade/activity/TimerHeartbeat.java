package org.fleetupgrade.activity;

import io.temporal.activity.ActivityExecutionContext;
import io.temporal.client.ActivityCompletionException;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * Heartbeats an activity on a timer while work that reports nothing runs (a clone or a push, a
 * drain waiting on a disruption budget). Under a heartbeat timeout, an activity that goes silent is
 * timed out and retried while its first attempt still works, and the two attempts then run side by
 * side. The heartbeats go through the activity's own context, from the timer's thread: the context
 * is thread-safe, and the SDK throttles what reaches the server.
 */
public final class TimerHeartbeat implements AutoCloseable {

  /**
   * Well below the two-minute heartbeat timeout of the workflows' activity stubs: a heartbeat
   * lost or delayed still leaves several before the timeout.
   */
  public static final Duration PERIOD = Duration.ofSeconds(20);

  private final ActivityExecutionContext context;
  private final Supplier<?> details;
  private final Thread worker;
  private final boolean interruptWhenStopped;
  private final ScheduledExecutorService timer;
  private volatile ActivityCompletionException stopped;
  private volatile boolean interrupted;

  private TimerHeartbeat(ActivityExecutionContext context, Duration period, Supplier<?> details,
      boolean interruptWhenStopped) {
    if (period.isNegative() || period.isZero()) {
      throw new IllegalArgumentException("heartbeat period " + period + " is not positive");
    }
    this.context = Objects.requireNonNull(context, "context");
    this.details = details;
    this.worker = Thread.currentThread();
    this.interruptWhenStopped = interruptWhenStopped;
    this.timer = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "heartbeat: " + worker.getName());
      t.setDaemon(true);
      return t;
    });
    timer.scheduleAtFixedRate(this::beat, period.toMillis(), period.toMillis(), TimeUnit.MILLISECONDS);
  }

  private void beat() {
    try {
      Heartbeats.send(context, details.get());
    } catch (ActivityCompletionException e) {
      // Cancelled, timed out, or the attempt is gone: its result will not be used.
      if (stopped == null) {
        stopped = e;
        if (interruptWhenStopped) {
          interrupted = true;
          worker.interrupt();
        }
      }
    } catch (RuntimeException e) {
      // A heartbeat that could not be sent is sent again at the next tick.
    }
  }

  /**
   * Runs {@code work} on this (the activity's) thread, heartbeating {@code doing} at once and every
   * {@link #PERIOD}. A heartbeat reporting a cancellation does not stop the work: the next
   * heartbeat from the activity thread, or its result, reports it.
   */
  public static <T> T during(ActivityExecutionContext context, String doing, Supplier<T> work) {
    context.heartbeat(doing);
    try (TimerHeartbeat beat = new TimerHeartbeat(context, PERIOD, () -> doing, false)) {
      return work.get();
    }
  }

  /**
   * Runs {@code work} on this (the activity's) thread, heartbeating {@code details} at once and
   * every {@code period}, until it ends or a heartbeat says the attempt is over (cancelled, timed
   * out, or no longer known to the server; not a worker shutting down: {@link Heartbeats}). Then
   * this thread is interrupted, so that blocking work stops, and once {@code work} returns or
   * throws, what the heartbeat threw is thrown: a retry may already be running, and this attempt
   * must not go on beside it.
   */
  public static <T> T untilStopped(ActivityExecutionContext context, Duration period, Supplier<?> details,
      Supplier<T> work) {
    Heartbeats.send(context, details.get());
    T result;
    TimerHeartbeat beat = new TimerHeartbeat(context, period, details, true);
    try {
      result = work.get();
    } catch (RuntimeException e) {
      beat.close();
      if (beat.stopped != null) {
        throw beat.stopped; // the attempt is over: what the work threw (likely the interrupt) goes nowhere
      }
      throw e;
    }
    beat.close();
    if (beat.stopped != null) {
      throw beat.stopped;
    }
    return result;
  }

  /**
   * As {@link #untilStopped}, when called from an activity; called from anywhere else (a command
   * line, a test of the adapter), it simply runs {@code work}.
   */
  public static <T> T untilStoppedIfActivity(Duration period, Supplier<?> details, Supplier<T> work) {
    ActivityExecutionContext context;
    try {
      context = io.temporal.activity.Activity.getExecutionContext();
    } catch (IllegalStateException notAnActivity) {
      return work.get();
    }
    return untilStopped(context, period, details, work);
  }

  /** Stops the timer; clears this thread's interrupt if the timer set it (the thread goes back to the worker's pool). */
  @Override
  public void close() {
    timer.shutdownNow();
    try {
      timer.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      if (!interrupted) {
        Thread.currentThread().interrupt(); // not ours (a worker shutting down): kept
        return;
      }
    }
    if (interrupted) {
      Thread.interrupted();
    }
  }
}
