package org.fleetupgrade.alerts;

import io.temporal.activity.ActivityInterface;
import io.temporal.activity.ActivityMethod;

/** A stage's firing alerts, from its configured Prometheus (or Alertmanager), filtered by its matchers. */
@ActivityInterface
public interface AlertActivities {

  /**
   * The stage's blocking alerts now. An endpoint that cannot be read is not a failure: the answer
   * says why ({@link AlertCheck#unavailable()}), and the workflow waits or proceeds as configured.
   */
  @ActivityMethod(name = "FiringAlerts")
  AlertCheck firing(String stage);
}
