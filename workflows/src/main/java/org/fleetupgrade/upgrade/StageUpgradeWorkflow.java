package org.fleetupgrade.upgrade;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.fleetupgrade.reboot.rollout.RolloutProgress;
import org.fleetupgrade.status.StageStatus;

/**
 * One stage (environment): preflight, control plane one member at a time, node tooling, image
 * rebuild, rolling reboot, health until converged. Started by {@link FleetUpgradeWorkflow} with id
 * {@code <fleet id>/<stage>}; operators steer it through the fleet workflow, which validates their
 * input and forwards it here.
 */
@WorkflowInterface
public interface StageUpgradeWorkflow {

  @WorkflowMethod
  StageStatus run(StageAssignment assignment);

  @QueryMethod
  StageStatus status();

  @SignalMethod
  void operator(OperatorCommand command);

  /** From the rolling reboot: platform nodes done (rebooted or already at the target) of total. */
  @SignalMethod
  void rebootProgress(int done, int total);

  /** From the rolling reboot: where it is (counts, nodes in flight, failures, ETA; bounded). */
  @SignalMethod
  void rolloutProgress(RolloutProgress progress);

  static String workflowId(String fleetWorkflowId, String stage) {
    return fleetWorkflowId + "/" + stage;
  }
}
