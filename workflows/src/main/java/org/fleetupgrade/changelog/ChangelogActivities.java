package org.fleetupgrade.changelog;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.version.TargetVersions;

/** Reads the Kubernetes changelog for the target before anything is touched. */
@ActivityInterface
public interface ChangelogActivities {

  @ActivityMethod
  ChangelogReview review(TargetVersions target);
}
