package org.fleetupgrade.reboot.rollout;

import io.temporal.activity.Activity;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowExecutionAlreadyStarted;
import io.temporal.client.WorkflowOptions;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Starts nodes' reboot workflows through the worker's own Temporal client, on the rollout's task queue. */
public final class TemporalNodeLauncher implements NodeLaunchActivities {

  private static final Logger log = LoggerFactory.getLogger(TemporalNodeLauncher.class);

  private final WorkflowClient client;

  public TemporalNodeLauncher(WorkflowClient client) {
    this.client = client;
  }

  @Override
  public void launch(List<NodeReboot> reboots) {
    String taskQueue = Activity.getExecutionContext().getInfo().getActivityTaskQueue();
    for (NodeReboot reboot : reboots) {
      String id = NodeRebootWorkflow.workflowId(reboot.target().rollout(), reboot.target().node());
      NodeRebootWorkflow node = client.newWorkflowStub(NodeRebootWorkflow.class, WorkflowOptions.newBuilder()
          .setWorkflowId(id)
          .setTaskQueue(taskQueue)
          .setStaticSummary("Reboot of " + reboot.target().node() + " into " + reboot.target().target()
              + " for " + reboot.target().rollout())
          .build());
      try {
        WorkflowClient.start(node::run, reboot);
      } catch (WorkflowExecutionAlreadyStarted running) {
        log.info("{}: its reboot workflow {} already runs", reboot.target().node(), id);
      }
    }
  }
}
