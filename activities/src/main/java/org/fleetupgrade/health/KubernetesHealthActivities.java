package org.fleetupgrade.health;

import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import org.fleetupgrade.version.ReleaseVersion;

/** Health of real stages: one paged look at the stage's cluster per call. */
public class KubernetesHealthActivities implements HealthActivities {

  private final Map<String, ClusterHealthCheck> stages;

  public KubernetesHealthActivities(Map<String, ClusterHealthCheck> stages) {
    this.stages = Map.copyOf(stages);
  }

  @Override
  public HealthReport check(String stage, ReleaseVersion target) {
    ClusterHealthCheck check = stages.get(stage);
    if (check == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + stage + "' has no health check on this worker",
          "UnknownStage");
    }
    return check.check(target);
  }
}
