package org.fleetupgrade.fleet;

import java.util.List;
import java.util.Objects;
import org.fleetupgrade.version.TargetVersions;

/**
 * What {@code start} asks for: the target versions and the stages in promotion order.
 *
 * @param acknowledged the operator read the changelog review before starting (start --acknowledge)
 * @param allowPrerelease a target newer than the latest stable release is allowed
 */
public record UpgradeRequest(TargetVersions target, List<StagePlan> stages, boolean acknowledged, boolean allowPrerelease) {

  public UpgradeRequest(TargetVersions target, List<StagePlan> stages) {
    this(target, stages, false, false);
  }

  public UpgradeRequest {
    Objects.requireNonNull(target, "target");
    stages = List.copyOf(stages);
    if (stages.isEmpty()) {
      throw new IllegalArgumentException("an upgrade needs at least one stage");
    }
  }

  /** The workflow id: one upgrade per Kubernetes target, so starting it twice finds the first. */
  public static String workflowId(TargetVersions target) {
    return "fleet-upgrade-" + target.kubernetes();
  }

  public String workflowId() {
    return workflowId(target);
  }
}
