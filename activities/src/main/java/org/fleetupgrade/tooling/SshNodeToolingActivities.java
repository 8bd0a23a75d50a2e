package org.fleetupgrade.tooling;

import io.temporal.activity.Activity;
import io.temporal.activity.ActivityExecutionContext;
import io.temporal.failure.ApplicationFailure;
import java.time.Duration;
import java.util.Map;
import org.fleetupgrade.activity.Heartbeats;
import org.fleetupgrade.activity.TimerHeartbeat;
import org.fleetupgrade.controlplane.SshNodeToolingUpgrader;
import org.fleetupgrade.kubernetes.ClusterNodes;
import org.fleetupgrade.version.TargetVersions;

/**
 * Node tooling of real stages: the virtual nodes as the API lists them, upgraded over SSH one at a
 * time, heartbeating every period even while a script is silent.
 */
public class SshNodeToolingActivities implements NodeToolingActivities {

  /** One real stage: where its nodes are listed, and how its virtual nodes are upgraded. */
  public record Stage(ClusterNodes nodes, SshNodeToolingUpgrader upgrader) {}

  private final Map<String, Stage> stages;
  private final Duration heartbeatPeriod;

  public SshNodeToolingActivities(Map<String, Stage> stages) {
    this(stages, TimerHeartbeat.PERIOD);
  }

  /** {@code heartbeatPeriod}: well below the heartbeat timeout of the activity's stub (tests shorten both). */
  public SshNodeToolingActivities(Map<String, Stage> stages, Duration heartbeatPeriod) {
    this.stages = Map.copyOf(stages);
    this.heartbeatPeriod = heartbeatPeriod;
  }

  @Override
  public ToolingResult upgradeVirtualNodes(String stage, TargetVersions target) {
    Stage found = stages.get(stage);
    if (found == null) {
      throw ApplicationFailure.newNonRetryableFailure("stage '" + stage + "' has no node tooling on this worker",
          "UnknownStage");
    }
    // Progress arrives on the SSH client's I/O thread: the context is taken here, on the activity's own.
    ActivityExecutionContext context = Activity.getExecutionContext();
    return found.upgrader().upgrade(found.nodes().list().virtual(), target, Heartbeats.of(context), heartbeatPeriod);
  }
}
