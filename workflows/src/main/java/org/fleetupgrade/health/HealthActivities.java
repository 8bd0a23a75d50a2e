package org.fleetupgrade.health;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;
import org.fleetupgrade.version.ReleaseVersion;

/** One look at a stage's cluster health; the workflow polls it with backoff until converged. */
@ActivityInterface
public interface HealthActivities {

  @ActivityMethod
  HealthReport check(String stage, ReleaseVersion target);
}
