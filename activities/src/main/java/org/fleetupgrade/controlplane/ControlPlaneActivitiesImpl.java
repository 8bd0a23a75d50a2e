package org.fleetupgrade.controlplane;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.util.Map;
import java.util.stream.Collectors;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * The control-plane activities for real stages: drain, verify and uncordon through the stage's
 * cluster API, the upgrade itself over SSH with its progress as heartbeat details.
 */
public class ControlPlaneActivitiesImpl implements ControlPlaneActivities {

  private final Map<String, StageControlPlane> stages;

  public ControlPlaneActivitiesImpl(Map<String, StageControlPlane> stages) {
    this.stages = Map.copyOf(stages);
  }

  private StageControlPlane stage(String stage) {
    StageControlPlane found = stages.get(stage);
    if (found == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + stage + "' has no control-plane adapter on this worker"
          + " (it has " + stages.keySet().stream().sorted().collect(Collectors.joining(", ")) + ")", "UnknownStage");
    }
    return found;
  }

  @Override
  public DrainResult drain(String stage, ControlPlaneMember member) {
    return stage(stage).cluster().drain(member);
  }

  @Override
  public MemberUpgradeResult upgrade(String stage, ControlPlaneMember member, TargetVersions target) {
    // Progress arrives on the SSH client's I/O thread: the context is taken here, on the activity's own.
    ActivityExecutionContext context = Activity.getExecutionContext();
    return stage(stage).upgrader().upgrade(member, target, context::heartbeat);
  }

  @Override
  public MemberVerification verify(String stage, ControlPlaneMember member, TargetVersions target) {
    return stage(stage).cluster().verify(member, target);
  }

  @Override
  public void uncordon(String stage, ControlPlaneMember member) {
    stage(stage).cluster().uncordon(member);
  }

  @Override
  public String releaseAfterAbort(String stage, ControlPlaneMember member) {
    return stage(stage).cluster().releaseAfterAbort(member);
  }
}
