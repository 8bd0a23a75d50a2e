package org.fleetupgrade.worker.cli;

import com.google.protobuf.Timestamp;
import io.grpc.StatusRuntimeException;
import io.temporal.api.common.v1.WorkflowExecution;
import io.temporal.api.failure.v1.Failure;
import io.temporal.api.workflow.v1.PendingActivityInfo;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionRequest;
import io.temporal.api.workflowservice.v1.DescribeWorkflowExecutionResponse;
import io.temporal.serviceclient.WorkflowServiceStubs;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;

/**
 * What Temporal says the upgrade's workflows are running right now: each pending activity of the
 * fleet workflow, its current stage's workflow and that stage's rollout, with its attempt, its last
 * failure and when the next attempt is due (DescribeWorkflowExecution). A step that Temporal retries
 * fails silently as far as the workflow knows: only this shows it.
 *
 * <p>What a server fills in differs: a real server gives every field; the Java test server (behind
 * {@code dev} and the tests) gives the attempt, the maximum attempts, the last failure and the
 * scheduled and last started times, but neither the next attempt's time nor the retry interval.
 */
final class PendingSteps {

  /** How many pending activities status keeps: a rollout may have many (its --json keeps these too). */
  static final int KEPT = 20;
  /** How many the human view prints. */
  static final int SHOWN = 5;
  /** How much of a failure message is kept: its first line, at most this long. */
  static final int FAILURE_CHARS = 300;

  private PendingSteps() {}

  /**
   * One activity Temporal has scheduled or running for the upgrade.
   *
   * @param stage the stage whose workflow runs it; null for the fleet workflow's own (changelog, gate health)
   * @param step the stage's step it serves when known (e.g. {@code verify:api-...}), else null
   * @param activity the activity type, as the code names it ({@code verify}, {@code awaitImages})
   * @param since when its step started (or was last retried), when known; else null
   * @param nextAttempt when the next attempt is due (a real server, between attempts); else null
   * @param retryIntervalSeconds the wait before the next attempt (a real server); else null
   */
  record PendingStep(String workflowId, String stage, String step, String activity, String state, int attempt,
      int maximumAttempts, Instant since, Instant scheduled, Instant lastStarted, Instant nextAttempt,
      Long retryIntervalSeconds, String lastFailure) {

    boolean retrying() {
      return attempt > 1 || lastFailure != null;
    }

    /** The step when the activity is its own (verify for verify:api-...), else the activity, with the step beside. */
    String label() {
      if (step == null) {
        return activity;
      }
      String action = step.contains(":") ? step.substring(0, step.indexOf(':')) : step;
      return action.equalsIgnoreCase(activity) ? step : step + " (" + activity + ")";
    }
  }

  /**
   * The running upgrade's pending activities, those retrying first, at most {@link #KEPT}; none once
   * it finished. {@code upgrade}: the upgrade's description if the caller has it (null: asked here).
   */
  static List<PendingStep> of(WorkflowServiceStubs stubs, String namespace, FleetStatus status,
      DescribeWorkflowExecutionResponse upgrade) {
    if (status.state().finished()) {
      return List.of();
    }
    List<PendingStep> found = new ArrayList<>(upgrade != null ? steps(status.upgradeId(), null, null,
        upgrade.getPendingActivitiesList()) : describe(stubs, namespace, status.upgradeId(), null, null));
    StageStatus stage = status.currentStage() == null ? null : status.stage(status.currentStage());
    if (stage != null && !stage.state().finished()) {
      String stageId = StageUpgradeWorkflow.workflowId(status.upgradeId(), stage.name());
      found.addAll(describe(stubs, namespace, stageId, stage, stage.step()));
      if ("reboot".equals(stage.step())) {
        found.addAll(describe(stubs, namespace, stageId + "/rollout", stage, null));
      }
    }
    found.sort(Comparator.comparing((PendingStep p) -> !p.retrying()));
    return found.size() > KEPT ? List.copyOf(found.subList(0, KEPT)) : found;
  }

  private static List<PendingStep> describe(WorkflowServiceStubs stubs, String namespace, String workflowId,
      StageStatus stage, String step) {
    List<PendingActivityInfo> pending;
    try {
      pending = stubs.blockingStub().withDeadlineAfter(10, TimeUnit.SECONDS).describeWorkflowExecution(
          DescribeWorkflowExecutionRequest.newBuilder().setNamespace(namespace)
              .setExecution(WorkflowExecution.newBuilder().setWorkflowId(workflowId)).build())
          .getPendingActivitiesList();
    } catch (StatusRuntimeException notThereOrNotAnswered) {
      // Not started yet (the rollout), between runs, or the server did not answer: status shows the rest.
      return List.of();
    }
    return steps(workflowId, stage, step, pending);
  }

  private static List<PendingStep> steps(String workflowId, StageStatus stage, String step, List<PendingActivityInfo> pending) {
    List<PendingStep> steps = new ArrayList<>();
    for (PendingActivityInfo a : pending) {
      steps.add(from(workflowId, stage, step, a));
    }
    return steps;
  }

  static PendingStep from(String workflowId, StageStatus stage, String step, PendingActivityInfo a) {
    String type = a.getActivityType().getName();
    String activity = type.isEmpty() ? "?" : Character.toLowerCase(type.charAt(0)) + type.substring(1);
    String action = step == null ? null : step.contains(":") ? step.substring(0, step.indexOf(':')) : step;
    // The stage's step started (or was retried) at stepSince: its own activity has failed since then.
    Instant since = stage != null && action != null && action.equalsIgnoreCase(activity) ? stage.stepSince() : null;
    return new PendingStep(workflowId, stage == null ? null : stage.name(), step, activity,
        a.getState().name().replace("PENDING_ACTIVITY_STATE_", ""), a.getAttempt(), a.getMaximumAttempts(), since,
        a.hasScheduledTime() ? instant(a.getScheduledTime()) : null,
        a.hasLastStartedTime() ? instant(a.getLastStartedTime()) : null,
        a.hasNextAttemptScheduleTime() ? instant(a.getNextAttemptScheduleTime()) : null,
        a.hasCurrentRetryInterval() ? a.getCurrentRetryInterval().getSeconds() : null,
        a.hasLastFailure() ? message(a.getLastFailure()) : null);
  }

  /** The failure's message (else its first cause's that has one), first line, bounded. */
  static String message(Failure failure) {
    Failure f = failure;
    while (f.getMessage().isBlank() && f.hasCause()) {
      f = f.getCause();
    }
    String message = f.getMessage();
    String line = message.strip().lines().findFirst().orElse("");
    return line.length() <= FAILURE_CHARS ? line : line.substring(0, FAILURE_CHARS - 1) + "…";
  }

  private static Instant instant(Timestamp t) {
    return Instant.ofEpochSecond(t.getSeconds(), t.getNanos());
  }
}
