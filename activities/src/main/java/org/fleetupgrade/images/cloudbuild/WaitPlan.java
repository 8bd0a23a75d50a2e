package org.fleetupgrade.images.cloudbuild;

import java.time.Duration;
import java.time.Instant;

/** What one {@link CloudBuildWatcher#await} waits for, shared by the watches of its triggers. */
record WaitPlan(BuildTrigger trigger, BuildRef ref, Instant notBefore, Duration appearTimeout, Duration buildTimeout,
    Instant waitingSince) {

  Instant appearBy() {
    return waitingSince.plus(appearTimeout);
  }
}
