package org.fleetupgrade.upgrade;

import io.temporal.failure.CanceledFailure;
import io.temporal.failure.TemporalFailure;
import io.temporal.workflow.CancellationScope;
import io.temporal.workflow.Workflow;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.fleetupgrade.metrics.UpgradeMetrics;

/**
 * Runs a workflow's steps under operator control. A step that still fails after its activity
 * retries does not fail the upgrade: it blocks, records the error, and waits for retry, skip (with
 * a reason) or abort. Pause takes effect between steps; abort cancels the running step.
 *
 * <p>Workflow code: deterministic, driven only by workflow state and {@link Workflow#await}.
 */
final class StepRunner {

  /** How a workflow learns of transitions, to update its status and timeline. */
  interface Listener {
    void blocked(String step, String error);

    /** The operator decided: the step is retried, or skipped with {@code reason}. */
    void unblocked(String step, boolean skipped, String reason);

    void pausedChanged(boolean paused, String reason);

    /**
     * The step's body is about to run, after any pause: the first time ({@code again} false), or
     * again after an operator's retry. What the timeline says started, started here.
     */
    default void starting(String step, boolean again) {}

    /** The step passed on a retry after it had blocked: the error it blocked with no longer holds. */
    default void recovered(String step) {}
  }

  private enum Decision { RETRY, SKIP }

  private final Listener listener;
  private final boolean cancelOnAbort;
  private boolean paused;
  private String abortReason;
  private String blockedStep;
  private Decision decision;
  private String decisionReason;
  private CancellationScope running;
  /** The upgrade (target version) whose steps are measured; null: not measured. */
  private String measuredUpgrade;
  /** The stage label of a step, from its name. */
  private UnaryOperator<String> stageOf;

  /**
   * @param cancelOnAbort whether abort cancels the running step; the fleet workflow says no, because
   *     its running step is a stage workflow that it tells to abort, and then waits for.
   */
  StepRunner(Listener listener, boolean cancelOnAbort) {
    this.listener = listener;
    this.cancelOnAbort = cancelOnAbort;
  }

  /**
   * Measures every step from here on ({@link UpgradeMetrics}): its duration by outcome, and each
   * time it blocks, labelled with {@code upgrade} and the stage {@code stageOf} gives for the step.
   */
  void measure(String upgrade, UnaryOperator<String> stageOf) {
    this.measuredUpgrade = upgrade;
    this.stageOf = stageOf;
  }

  /** Runs {@code body}; empty when an operator skipped it after it blocked. */
  <T> Optional<T> run(String step, Supplier<T> body) {
    boolean again = false;
    long started = -1;
    while (true) {
      checkpoint();
      if (started < 0) {
        started = Workflow.currentTimeMillis(); // after any pause before it: that is not the step's time
      }
      listener.starting(step, again);
      try {
        T value = runCancellable(body);
        measured(step, UpgradeMetrics.Outcome.DONE, started);
        if (again) {
          listener.recovered(step);
        }
        return Optional.ofNullable(value);
      } catch (UpgradeAborted aborted) {
        measured(step, UpgradeMetrics.Outcome.ABORTED, started);
        throw aborted;
      } catch (TemporalFailure failure) {
        if (abortReason != null) {
          measured(step, UpgradeMetrics.Outcome.ABORTED, started);
          throw new UpgradeAborted(abortReason);
        }
        if (failure instanceof CanceledFailure) {
          throw failure;
        }
        blockedStep = step;
        decision = null;
        if (measuredUpgrade != null) {
          UpgradeMetrics.stepBlocked(measuredUpgrade, stageOf.apply(step), step);
        }
        listener.blocked(step, Failures.describe(failure));
        Workflow.await(() -> decision != null || abortReason != null);
        blockedStep = null;
        if (abortReason != null) {
          measured(step, UpgradeMetrics.Outcome.ABORTED, started);
          throw new UpgradeAborted(abortReason);
        }
        if (decision == Decision.SKIP) {
          measured(step, UpgradeMetrics.Outcome.SKIPPED, started);
          listener.unblocked(step, true, decisionReason);
          return Optional.empty();
        }
        listener.unblocked(step, false, decisionReason);
        again = true;
      }
    }
  }

  private void measured(String step, UpgradeMetrics.Outcome outcome, long started) {
    if (measuredUpgrade != null) {
      UpgradeMetrics.stepEnded(measuredUpgrade, stageOf.apply(step), step, outcome,
          Workflow.currentTimeMillis() - started);
    }
  }

  void runStep(String step, Runnable body) {
    run(step, () -> {
      body.run();
      return Boolean.TRUE;
    });
  }

  private <T> T runCancellable(Supplier<T> body) {
    Object[] result = new Object[1];
    running = Workflow.newCancellationScope(() -> {
      result[0] = body.get();
    });
    try {
      running.run();
    } finally {
      running = null;
    }
    @SuppressWarnings("unchecked")
    T value = (T) result[0];
    return value;
  }

  /** Waits while paused; throws when aborted. Called between steps. */
  void checkpoint() {
    Workflow.await(() -> !paused || abortReason != null);
    if (abortReason != null) {
      throw new UpgradeAborted(abortReason);
    }
  }

  /** Waits for {@code condition}; throws when aborted. */
  void await(Supplier<Boolean> condition) {
    Workflow.await(() -> abortReason != null || condition.get());
    if (abortReason != null) {
      throw new UpgradeAborted(abortReason);
    }
  }

  /** Waits up to {@code timeout} for {@code condition}; returns false on timeout; throws when aborted. */
  boolean await(java.time.Duration timeout, Supplier<Boolean> condition) {
    boolean met = Workflow.await(timeout, () -> abortReason != null || condition.get());
    if (abortReason != null) {
      throw new UpgradeAborted(abortReason);
    }
    return met;
  }

  // ---- operator input: validate* throws with a reason and changes nothing; the rest apply ----

  boolean paused() {
    return paused;
  }

  boolean aborted() {
    return abortReason != null;
  }

  String blockedStep() {
    return blockedStep;
  }

  void validatePause() {
    requireNotAborted();
    if (paused) {
      throw new IllegalStateException("already paused");
    }
  }

  void pause(String reason) {
    if (!paused && abortReason == null) {
      paused = true;
      listener.pausedChanged(true, reason);
    }
  }

  void validateResume() {
    requireNotAborted();
    if (!paused) {
      throw new IllegalStateException("not paused: nothing to resume");
    }
  }

  void resume(String reason) {
    if (paused) {
      paused = false;
      listener.pausedChanged(false, reason);
    }
  }

  void validateRetry() {
    requireNotAborted();
    if (blockedStep == null) {
      throw new IllegalStateException("nothing is blocked: retry applies only to a BLOCKED step");
    }
  }

  void retry(String reason) {
    if (blockedStep != null && decision == null) {
      decision = Decision.RETRY;
      decisionReason = reason;
    }
  }

  void validateSkip(String step, String reason) {
    requireNotAborted();
    checkSkip(blockedStep, step, reason);
  }

  /** Skip names the blocked step (so the wrong one is never skipped) and gives a reason. */
  static void checkSkip(String blockedStep, String step, String reason) {
    requireReason(reason, "skip");
    if (blockedStep == null) {
      throw new IllegalStateException("nothing is blocked: skip applies only to a BLOCKED step");
    }
    if (!blockedStep.equals(step)) {
      throw new IllegalArgumentException("step '" + step + "' is not the blocked step '" + blockedStep + "'");
    }
    if (!Steps.skippable(step)) {
      throw new IllegalArgumentException("step '" + step + "' cannot be skipped: later steps depend on it; retry or abort");
    }
  }

  void skip(String step, String reason) {
    if (step != null && step.equals(blockedStep) && decision == null) {
      decision = Decision.SKIP;
      decisionReason = reason;
    }
  }

  void validateAbort(String reason) {
    requireNotAborted();
    requireReason(reason, "abort");
  }

  void abort(String reason) {
    if (abortReason == null) {
      abortReason = reason;
      if (running != null && cancelOnAbort) {
        running.cancel(reason);
      }
    }
  }

  private void requireNotAborted() {
    if (abortReason != null) {
      throw new IllegalStateException("the upgrade was aborted: " + abortReason);
    }
  }

  static void requireReason(String reason, String what) {
    if (reason == null || reason.isBlank()) {
      throw new IllegalArgumentException(what + " needs a reason: it is recorded in the upgrade's history");
    }
  }
}
