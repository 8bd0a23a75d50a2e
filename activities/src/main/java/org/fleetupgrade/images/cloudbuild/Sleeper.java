package org.fleetupgrade.images.cloudbuild;

import java.time.Duration;

/** The pause between polls, replaceable so tests advance a clock instead of sleeping. */
@FunctionalInterface
public interface Sleeper {

  void sleep(Duration duration) throws InterruptedException;

  Sleeper THREAD = duration -> Thread.sleep(duration.toMillis());
}
