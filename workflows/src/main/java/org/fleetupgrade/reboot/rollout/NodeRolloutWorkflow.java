package org.fleetupgrade.reboot.rollout;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.fleetupgrade.reboot.RebootSummary;

/**
 * A stage's platform nodes rebooted through a sliding window: each node in a {@link NodeRebootWorkflow}
 * of its own, the next starting as soon as one is back, within the budget; a canary first; a
 * failure budget. Continues as new (between nodes) before its history grows large.
 */
@WorkflowInterface
public interface NodeRolloutWorkflow {

  @WorkflowMethod
  RebootSummary run(NodeRollout rollout);

  /** Paused: nodes in flight finish, no new node starts. */
  @SignalMethod
  void setPaused(boolean paused);

  /** A node's reboot ended (sent by its {@link NodeRebootWorkflow}, to whichever run is current). */
  @SignalMethod
  void nodeDone(NodeResult result);

  @QueryMethod
  RolloutProgress progress();
}
