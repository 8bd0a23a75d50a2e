package org.fleetupgrade.images.cloudbuild;

/**
 * Told of every poll. The activity heartbeats here, so an exception thrown (such as Temporal's
 * ActivityCanceledException) ends the wait and reaches the caller unchanged.
 */
@FunctionalInterface
public interface Progress {

  void report(BuildWait wait);

  Progress NONE = wait -> { };
}
