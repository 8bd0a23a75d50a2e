package org.fleetupgrade.preflight;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.changelog.ReviewRequest;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;

public class UpgradeReviewWorkflowImpl implements UpgradeReviewWorkflow {

  /** An operator waits for this at the terminal: few, quick attempts. */
  private static final RetryOptions QUICK = RetryOptions.newBuilder().setMaximumAttempts(2).build();

  private final InventoryActivities inventory = Workflow.newActivityStub(InventoryActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofSeconds(30)).setRetryOptions(QUICK).build());

  private final ChangelogActivities changelog = Workflow.newActivityStub(ChangelogActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(2)).setRetryOptions(QUICK).build());

  private final HealthActivities health = Workflow.newActivityStub(HealthActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(2)).setRetryOptions(QUICK).build());

  /**
   * The change id of the nodes counted per stage: a stage is at the target only when its control
   * plane and every node run it, so an aborted upgrade's stage is seen half-done, not done.
   */
  static final String NODES_AT_TARGET_CHANGE = "review-nodes-at-target";

  @Override
  public UpgradeReview review(List<String> stages, TargetVersions target, boolean allowPrerelease) {
    List<StageVersion> found = new ArrayList<>();
    List<ReleaseVersion> versions = new ArrayList<>();
    boolean countNodes = Workflow.getVersion(NODES_AT_TARGET_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
    for (String stage : stages) {
      try {
        ReleaseVersion version = inventory.clusterVersion(stage);
        versions.add(version);
        found.add(countNodes ? withNodes(stage, version, target.kubernetes())
            : new StageVersion(stage, version.toString(), null));
      } catch (ActivityFailure e) {
        found.add(new StageVersion(stage, null, message(e)));
      }
    }
    if (versions.size() < stages.size()) {
      return new UpgradeReview(found, null, "VersionUnknown", "cannot read every stage's current version");
    }
    try {
      ChangelogReview review = changelog.review(new ReviewRequest(target, versions, allowPrerelease));
      return new UpgradeReview(found, review, null, null);
    } catch (ActivityFailure e) {
      String type = e.getCause() instanceof ApplicationFailure app ? app.getType() : "ReviewFailed";
      return new UpgradeReview(found, null, type, message(e));
    }
  }

  /** The stage's nodes against the target; unknown (not an error of the review) when they cannot be read. */
  private StageVersion withNodes(String stage, ReleaseVersion version, ReleaseVersion target) {
    try {
      HealthReport report = health.check(stage, target);
      return new StageVersion(stage, version.toString(), null, report.nodesAtTarget(), report.nodesTotal(),
          report.converged(), null);
    } catch (ActivityFailure e) {
      return new StageVersion(stage, version.toString(), null, null, null, null, message(e));
    }
  }

  private static String message(ActivityFailure e) {
    Throwable cause = e.getCause() == null ? e : e.getCause();
    return cause instanceof ApplicationFailure app ? app.getOriginalMessage() : cause.getMessage();
  }
}
