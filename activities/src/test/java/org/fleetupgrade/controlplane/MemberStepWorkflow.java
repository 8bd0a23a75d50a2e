package org.fleetupgrade.controlplane;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Workflow;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import java.time.Duration;
import org.fleetupgrade.fleet.ControlPlaneMember;
import org.fleetupgrade.version.TargetVersions;

/**
 * One control-plane activity under a short heartbeat timeout, retried as the stage workflow
 * retries its steps: what the test server then does with a silent attempt is what a real server
 * does with one under the stage's two minutes.
 */
@WorkflowInterface
public interface MemberStepWorkflow {

  /** Seconds, not minutes: a test waits out several of them. */
  Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);

  /** {@code step}: drain or upgrade, on stage "production". */
  @WorkflowMethod
  String run(String step, ControlPlaneMember member, TargetVersions target);

  class Impl implements MemberStepWorkflow {

    private final ControlPlaneActivities activities = Workflow.newActivityStub(ControlPlaneActivities.class,
        ActivityOptions.newBuilder()
            .setStartToCloseTimeout(Duration.ofMinutes(1))
            .setHeartbeatTimeout(HEARTBEAT_TIMEOUT)
            .setRetryOptions(RetryOptions.newBuilder().setInitialInterval(Duration.ofMillis(200))
                .setMaximumAttempts(3).build())
            .build());

    @Override
    public String run(String step, ControlPlaneMember member, TargetVersions target) {
      return switch (step) {
        case "drain" -> activities.drain("production", member).toString();
        case "upgrade" -> activities.upgrade("production", member, target).toString();
        default -> throw new IllegalArgumentException(step);
      };
    }
  }
}
