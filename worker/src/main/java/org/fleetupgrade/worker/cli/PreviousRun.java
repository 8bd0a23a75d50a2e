package org.fleetupgrade.worker.cli;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionDescription;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.resume.CarriedStage;
import org.fleetupgrade.resume.Resumption;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;

/**
 * The latest run of an upgrade's workflow id, as `start` finds it: running (not started twice), or
 * closed (a new run follows it and carries what it established). Its status is the result of a
 * completed run and the query's answer otherwise (a worker replays a terminated or failed run to
 * answer); null when it could not be read, with {@code unreadable} saying why.
 */
record PreviousRun(String id, String runId, WorkflowExecutionStatus execution, Instant closedAt, FleetStatus status,
    String unreadable) {

  /** The latest run of {@code id}, or null if there never was one. */
  static PreviousRun find(WorkflowClient client, String id) {
    WorkflowExecutionDescription description;
    try {
      description = client.newUntypedWorkflowStub(id).describe();
    } catch (RuntimeException notFound) {
      return null;
    }
    var info = description.getWorkflowExecutionInfo();
    String runId = info.getExecution().getRunId();
    Instant closedAt = info.hasCloseTime()
        ? Instant.ofEpochSecond(info.getCloseTime().getSeconds(), info.getCloseTime().getNanos()) : null;
    FleetStatus status = null;
    String unreadable = null;
    try {
      if (info.getStatus() == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED) {
        status = client.newUntypedWorkflowStub(id).getResult(FleetStatus.class);
      } else {
        status = client.newWorkflowStub(FleetUpgradeWorkflow.class, id).status();
      }
    } catch (RuntimeException e) {
      unreadable = Upgrades.rootMessage(e);
    }
    return new PreviousRun(id, runId, info.getStatus(), closedAt, status, unreadable);
  }

  boolean running() {
    return execution == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  }

  /** How it ended: the upgrade's own word for a completed run (COMPLETED or ABORTED), else Temporal's. */
  String outcome() {
    if (execution == WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED && status != null) {
      return status.state().name();
    }
    return execution.name().replace("WORKFLOW_EXECUTION_STATUS_", "");
  }

  /** What a new run carries from this one: nothing but its id and outcome when its status is unreadable. */
  Resumption resumption() {
    return status == null ? new Resumption(runId, outcome(), false, List.of()) : Resumption.of(runId, outcome(), status);
  }

  /**
   * How {@code asked} differs from what this (running) run was started with, one item per option;
   * empty when it is the same upgrade. Only what the status carries is compared: the versions, the
   * downgrade permission and the stages.
   */
  List<String> differences(UpgradeRequest asked) {
    List<String> out = new ArrayList<>();
    if (status == null) {
      return out;
    }
    var running = status.target();
    if (!Objects.equals(running.cni(), asked.target().cni())) {
      out.add("--cni " + asked.target().cni() + " (it installs " + running.cni() + ")");
    }
    if (!Objects.equals(running.crictl(), asked.target().crictl())) {
      out.add("--crictl " + asked.target().crictl() + " (it installs " + running.crictl() + ")");
    }
    if (running.toolDowngradeAllowed() != asked.target().toolDowngradeAllowed()) {
      out.add(asked.target().toolDowngradeAllowed() ? "--allow-downgrade (it does not allow downgrades)"
          : "no --allow-downgrade (it allows downgrades of cni and crictl)");
    }
    List<String> runningStages = status.stages().stream().map(StageStatus::name).toList();
    List<String> askedStages = asked.stages().stream().map(StagePlan::name).toList();
    if (!runningStages.equals(askedStages)) {
      out.add("--stages " + String.join(",", askedStages) + " (it runs " + String.join(", ", runningStages) + ")");
    }
    return out;
  }

  /** What the new run keeps from this one, one line per stage that has something, for the operator. */
  static List<String> describe(Resumption resumption) {
    List<String> lines = new ArrayList<>();
    if (resumption.acknowledged()) {
      lines.add("the changelog review: acknowledged");
    }
    for (CarriedStage stage : resumption.stages()) {
      List<String> kept = new ArrayList<>();
      if (stage.reachedTarget() != null) {
        kept.add("at the target since " + stage.reachedTarget().truncatedTo(java.time.temporal.ChronoUnit.SECONDS));
      }
      if (stage.approval() != null) {
        kept.add("approved (\"" + stage.approval() + "\")");
      }
      if (stage.promoted() != null) {
        kept.add("promoted");
      }
      lines.add(stage.stage() + ": " + String.join(", ", kept));
    }
    return lines;
  }
}
