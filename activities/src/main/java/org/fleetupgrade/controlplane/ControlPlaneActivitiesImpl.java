package org.fleetupgrade.controlplane;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Map;
import java.util.stream.Collectors;
import org.fleetupgrade.activity.Heartbeats;
import org.fleetupgrade.activity.TimerHeartbeat;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * The control-plane activities for real stages: drain, verify and uncordon through the stage's
 * cluster API, the upgrade itself over SSH with its progress as heartbeat details. The drain and the
 * upgrade heartbeat every period even while nothing happens (a budget holding the drain, a script
 * downloading or waiting in silence), so that Temporal does not start a second attempt beside them.
 */
public class ControlPlaneActivitiesImpl implements ControlPlaneActivities {

  private final Map<String, StageControlPlane> stages;
  private final Duration heartbeatPeriod;

  public ControlPlaneActivitiesImpl(Map<String, StageControlPlane> stages) {
    this(stages, TimerHeartbeat.PERIOD);
  }

  /** {@code heartbeatPeriod}: well below the heartbeat timeout of the activities' stub (tests shorten both). */
  public ControlPlaneActivitiesImpl(Map<String, StageControlPlane> stages, Duration heartbeatPeriod) {
    this.stages = Map.copyOf(stages);
    this.heartbeatPeriod = heartbeatPeriod;
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
    ControlPlaneCluster cluster = stage(stage).cluster();
    // A drain a budget holds makes no progress to report for minutes; once its attempt is over
    // (cancelled, or timed out and retried), it stops evicting.
    return TimerHeartbeat.untilStopped(Activity.getExecutionContext(), heartbeatPeriod,
        () -> "draining " + member.name(), () -> cluster.drain(member));
  }

  @Override
  public MemberUpgradeResult upgrade(String stage, ControlPlaneMember member, TargetVersions target) {
    // Progress arrives on the SSH client's I/O thread: the context is taken here, on the activity's own.
    // The executor repeats the last progress every period from this thread while the script is silent.
    ActivityExecutionContext context = Activity.getExecutionContext();
    return stage(stage).upgrader().upgrade(member, target, Heartbeats.of(context), heartbeatPeriod);
  }

  @Override
  public AdminConfResult ensureAdminConf(String stage, ControlPlaneMember member, TargetVersions target) {
    ActivityExecutionContext context = Activity.getExecutionContext();
    return stage(stage).upgrader().ensureAdminConf(member, target, Heartbeats.of(context), heartbeatPeriod);
  }

  @Override
  public MemberVerification verify(String stage, ControlPlaneMember member, TargetVersions target) {
    return stage(stage).cluster().verify(member, target);
  }

  @Override
  public MemberVerification inspect(String stage, ControlPlaneMember member, TargetVersions target) {
    return stage(stage).cluster().inspect(member, target);
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
