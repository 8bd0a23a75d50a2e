package org.fleetupgrade.preflight;

import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.util.List;
import org.fleetupgrade.version.TargetVersions;

/**
 * Runs on the worker, which holds the clusters' credentials and reaches the release hosts: each
 * stage's current version, then the changelog review for that path. `review` prints it; `start`
 * rejects a bad path with it before anything is started.
 */
@WorkflowInterface
public interface UpgradeReviewWorkflow {

  @WorkflowMethod
  UpgradeReview review(List<String> stages, TargetVersions target, boolean allowPrerelease);
}
