package org.fleetupgrade.upgrade;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.function.Consumer;
import org.fleetupgrade.alerts.AlertActivities;
import org.fleetupgrade.alerts.AlertCheck;
import org.fleetupgrade.alerts.AlertGate;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.status.Text;

/**
 * The alert gate in workflow code: before a disruptive step, waits while a stage's blocking alert
 * fires (or its endpoint cannot be read and the config says wait), polling with a durable timer
 * that backs off, saying what it waits on; past the gate's {@code blockAfter} it throws a
 * non-retryable failure, so the step that runs it BLOCKS for an operator's retry (checks again) or
 * skip (goes ahead). Upgrades started before the gate, and stages without one, ask nothing.
 */
final class AlertWait {

  /** The change id of the alert gate. */
  static final String CHANGE = "alert-gate";

  /** What the stage or fleet workflow shows while it waits, and records in its timeline. */
  interface Listener {
    void record(String event);

    /** Waiting on {@code check}; null: no longer waiting. */
    void waiting(String stage, AlertCheck check);
  }

  private final StepRunner runner;
  private final AlertActivities alerts = Workflow.newActivityStub(AlertActivities.class,
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofMinutes(1))
          .setRetryOptions(RetryOptions.newBuilder()
              .setInitialInterval(Duration.ofSeconds(1))
              .setBackoffCoefficient(2)
              .setMaximumInterval(Duration.ofSeconds(30))
              .setMaximumAttempts(5)
              .build())
          .build());

  AlertWait(StepRunner runner) {
    this.runner = runner;
  }

  /** The stage's gate for upgrades started with it (change "alert-gate"); null: no gate, and no marker asked. */
  static AlertGate gate(StagePlan plan) {
    if (plan == null || plan.alerts() == null) {
      return null;
    }
    return Workflow.getVersion(CHANGE, Workflow.DEFAULT_VERSION, 1) == 1 ? plan.alerts() : null;
  }

  /**
   * Runs the gate as its own step {@code step} (alerts:...) before {@code what}: returns once nothing
   * holds it (or an operator skipped it after it blocked).
   */
  void await(String step, String stage, AlertGate gate, String what, Listener listener) {
    runner.runStep(step, () -> untilClear(stage, gate, what, listener));
  }

  /** One check, for callers that cache the answer themselves (the rolling reboot). */
  AlertCheck check(String stage) {
    return alerts.firing(stage);
  }

  private void untilClear(String stage, AlertGate gate, String what, Listener listener) {
    long started = Workflow.currentTimeMillis();
    Duration poll = gate.pollInterval();
    String shown = null;
    while (true) {
      AlertCheck check = alerts.firing(stage);
      if (!check.holds()) {
        listener.waiting(stage, null);
        if (check.unavailable() != null) {
          listener.record("warning: " + stage + ": " + check.summary() + "; going ahead with " + what
              + " (alerts.onUnreachable: proceed)");
        } else if (shown != null) {
          listener.record(stage + ": no blocking alert any more (" + check.firing() + " firing): going ahead with " + what);
        }
        return;
      }
      Duration waited = Duration.ofMillis(Workflow.currentTimeMillis() - started);
      if (waited.compareTo(gate.blockAfter()) >= 0) {
        listener.waiting(stage, null);
        throw ApplicationFailure.newNonRetryableFailure(stage + ": " + check.summary() + "; still after "
            + Text.duration(waited.truncatedTo(java.time.temporal.ChronoUnit.MINUTES)) + " (alerts.blockAfter " + Text.duration(gate.blockAfter()) + "): " + what
            + " waits; retry checks again, skip goes ahead", "AlertsFiring");
      }
      listener.waiting(stage, check);
      String summary = check.summary();
      if (!summary.equals(shown)) {
        listener.record("waiting before " + what + ": " + stage + ": " + summary);
        shown = summary;
      }
      Duration left = gate.blockAfter().minus(waited);
      runner.await(poll.compareTo(left) < 0 ? poll : left, () -> false);
      poll = gate.nextPoll(poll);
    }
  }
}
