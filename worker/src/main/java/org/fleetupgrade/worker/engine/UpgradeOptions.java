package org.fleetupgrade.worker.engine;

import io.temporal.client.WorkflowOptions;
import io.temporal.common.SearchAttributes;
import java.util.stream.Collectors;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.status.FleetState;

/**
 * How an upgrade workflow is started, the same from `start` and `demo`: its id (one per version),
 * its search attributes from the first moment, and the summary the web UI lists it by.
 */
public final class UpgradeOptions {

  private UpgradeOptions() {}

  public static WorkflowOptions of(UpgradeRequest request, String taskQueue) {
    String stages = request.stages().stream().map(StagePlan::name).collect(Collectors.joining(" -> "));
    return WorkflowOptions.newBuilder()
        .setWorkflowId(request.workflowId())
        .setTaskQueue(taskQueue)
        .setTypedSearchAttributes(SearchAttributes.newBuilder()
            .set(org.fleetupgrade.status.SearchAttributes.VERSION, request.target().kubernetes().toString())
            .set(org.fleetupgrade.status.SearchAttributes.STATE, FleetState.REVIEWING.name())
            .build())
        .setStaticSummary("Kubernetes " + request.target().kubernetes() + ": " + stages)
        .setStaticDetails("Upgrade to " + request.target() + ", stages " + stages)
        .build();
  }
}
