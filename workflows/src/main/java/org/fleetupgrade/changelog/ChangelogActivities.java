package org.fleetupgrade.changelog;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** Reads the Kubernetes changelog and release channels for the target before anything is touched. */
@ActivityInterface
public interface ChangelogActivities {

  /**
   * Extracts what must be read and checks the upgrade path. A path that policy rejects (newer than
   * stable without allowPrerelease, more than one minor, a downgrade) fails with type
   * {@link #PATH_REJECTED}; a changelog or channel that is not published fails with
   * {@link #NOT_PUBLISHED}; both are non-retryable.
   */
  @ActivityMethod
  ChangelogReview review(ReviewRequest request);

  String PATH_REJECTED = "UpgradePathRejected";
  String NOT_PUBLISHED = "NotPublished";
}
