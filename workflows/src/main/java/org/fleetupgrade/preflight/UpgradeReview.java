package org.fleetupgrade.preflight;

import java.util.List;
import org.fleetupgrade.changelog.ChangelogReview;

/**
 * What `review` and `start` show before anything starts: each stage's current version, the
 * changelog review, or why the upgrade is rejected ({@code rejectionType} is the failure type, e.g.
 * UpgradePathRejected or NotPublished).
 */
public record UpgradeReview(List<StageVersion> stages, ChangelogReview review, String rejectionType, String rejection) {

  public UpgradeReview {
    stages = List.copyOf(stages);
  }

  public boolean rejected() {
    return rejection != null;
  }
}
