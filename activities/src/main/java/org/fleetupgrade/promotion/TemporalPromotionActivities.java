package org.fleetupgrade.promotion;

import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionMetadata;
import io.temporal.client.WorkflowUpdateException;
import io.temporal.failure.ApplicationFailure;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;

/**
 * The weekly promotion's look at Temporal: a visibility query for upgrades at a gate, confirmed by
 * each one's status, and the approve Update. Needs a real Temporal server (visibility queries).
 */
public class TemporalPromotionActivities implements PromotionActivities {

  /** Running upgrades at a gate, by the search attributes every upgrade keeps current. */
  static final String AT_A_GATE = "WorkflowType = 'FleetUpgradeWorkflow' AND ExecutionStatus = 'Running' AND "
      + SearchAttributes.STATE.getName() + " = '" + FleetState.GATE.name() + "'";

  private final WorkflowClient client;

  public TemporalPromotionActivities(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public List<WaitingPromotion> waitingForSchedule() {
    List<WaitingPromotion> waiting = new ArrayList<>();
    for (WorkflowExecutionMetadata upgrade : client.listExecutions(AT_A_GATE).limit(MAX_WAITING).toList()) {
      String id = upgrade.getExecution().getWorkflowId();
      // Visibility lags a little: the status itself says whether the gate waits for the schedule.
      FleetStatus status = client.newWorkflowStub(FleetUpgradeWorkflow.class, id).status();
      if (status.gate() != null && status.gate().phase() == GatePhase.WAITING_SCHEDULE && !status.paused()) {
        waiting.add(new WaitingPromotion(id, status.gate().stage(), status.gate().next(), status.target().kubernetes()));
      }
    }
    return waiting;
  }

  @Override
  public String promote(String upgradeId, String stage, String reason) {
    try {
      return client.newWorkflowStub(FleetUpgradeWorkflow.class, upgradeId).approve(stage, reason);
    } catch (WorkflowUpdateException rejected) {
      Throwable root = rejected;
      while (root.getCause() != null && root.getCause() != root) {
        root = root.getCause();
      }
      String why = root instanceof ApplicationFailure app ? app.getOriginalMessage() : root.getMessage();
      throw ApplicationFailure.newNonRetryableFailure(upgradeId + " refused the promotion of " + stage + ": " + why,
          PROMOTION_REJECTED);
    }
  }
}
