package org.fleetupgrade.reboot.rollout;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * One platform node into the new image: record its bootID, cordon, drain, reboot, wait (durable
 * timers, not a held thread) until another boot is Ready at the target, uncordon. Its own workflow,
 * so every node's steps are in a short history of their own, and a crash anywhere resumes from the
 * recorded bootID: a node already rebooted is not rebooted again.
 */
@WorkflowInterface
public interface NodeRebootWorkflow {

  @WorkflowMethod
  NodeResult run(NodeReboot reboot);

  static String workflowId(String rolloutId, String node) {
    return rolloutId + "/" + node;
  }
}
