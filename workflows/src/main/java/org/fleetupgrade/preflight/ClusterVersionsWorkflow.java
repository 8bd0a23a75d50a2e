package org.fleetupgrade.preflight;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;

/**
 * Asks the worker, which holds the clusters' credentials, for each stage's current version, so
 * that {@code start} can reject a downgrade or a skipped minor before anything is started.
 */
@WorkflowInterface
public interface ClusterVersionsWorkflow {

  @WorkflowMethod
  ClusterVersions survey(List<String> stages);
}
