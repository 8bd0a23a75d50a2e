package org.fleetupgrade.preflight;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

public class ClusterVersionsWorkflowImpl implements ClusterVersionsWorkflow {

  private final InventoryActivities inventory = Workflow.newActivityStub(InventoryActivities.class,
      ActivityOptions.newBuilder()
          .setStartToCloseTimeout(Duration.ofSeconds(30))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(2).build())
          .build());

  @Override
  public ClusterVersions survey(List<String> stages) {
    List<StageVersion> found = new ArrayList<>();
    for (String stage : stages) {
      try {
        found.add(new StageVersion(stage, inventory.clusterVersion(stage).toString(), null));
      } catch (ActivityFailure e) {
        Throwable cause = e.getCause() == null ? e : e.getCause();
        found.add(new StageVersion(stage, null, cause.getMessage()));
      }
    }
    return new ClusterVersions(found);
  }
}
