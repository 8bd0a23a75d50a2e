package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.IndexedValueType;
import io.temporal.client.WorkflowClient;
import io.temporal.client.WorkflowOptions;
import io.temporal.testing.TestEnvironmentOptions;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.reboot.rollout.TemporalNodeLauncher;
import org.fleetupgrade.simulated.SimulatedFault;
import org.fleetupgrade.simulated.SimulatedFleet;
import org.fleetupgrade.simulated.SimulatedStage;
import org.fleetupgrade.simulated.SimulatedTiming;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.upgrade.FleetUpgradeWorkflow;
import org.fleetupgrade.upgrade.FleetWorkflows;
import org.fleetupgrade.version.ReleaseVersion;
import org.fleetupgrade.version.TargetVersions;
import org.fleetupgrade.worker.cli.PendingSteps.PendingStep;
import org.junit.jupiter.api.Test;

/**
 * What status learns from Temporal's pending activities, on the Java test server (what `dev` runs):
 * a member's verify that Temporal retries shows its attempt, the maximum, its last failure and since
 * when its step started. The test server leaves the next attempt's time and the retry interval out.
 */
class PendingStepsTest {

  private static final String MEMBER = "api-platform-cluster-us-east1-b";
  private static final String ERROR = "kube-apiserver image is v1.30.5, want v1.31.2";

  @Test
  void aVerifyTemporalRetriesShowsItsAttemptItsLastFailureAndSinceWhen() {
    SimulatedStage sandbox = new SimulatedStage("sandbox", "mlab-sandbox", "us-east1", List.of("b"),
        "api-platform-cluster-{region}-{zone}", ReleaseVersion.parse("v1.30.5"), 1, 1, 0);
    // A retryable fault: Temporal retries the activity (15 attempts) before the step would block.
    SimulatedFleet fleet = new SimulatedFleet(List.of(sandbox), SimulatedTiming.INSTANT,
        List.of(new SimulatedFault("verify", "sandbox", MEMBER, 100, ERROR, true)));
    TestEnvironmentOptions.Builder options = TestEnvironmentOptions.newBuilder()
        .setInitialTime(Instant.parse("2026-11-25T10:00:00Z"));
    SearchAttributes.ALL.forEach(k -> options.registerSearchAttribute(k.getName(), IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD));
    try (TestWorkflowEnvironment env = TestWorkflowEnvironment.newInstance(options.build())) {
      Worker worker = env.newWorker(FleetWorkflows.TASK_QUEUE);
      worker.registerWorkflowImplementationTypes(FleetWorkflows.implementations());
      List<Object> activities = new ArrayList<>(fleet.activities());
      activities.add(new TemporalNodeLauncher(env.getWorkflowClient()));
      worker.registerActivitiesImplementations(activities.toArray());
      env.start();
      UpgradeRequest request = new UpgradeRequest(TargetVersions.parse("v1.31.2", "v1.6.2", "v1.31.1"),
          List.of(new StagePlan("sandbox", "mlab-sandbox", "us-east1", List.of("b"), Duration.ofHours(2),
              new RebootBudget(10, 1, Duration.ofMinutes(30)), PromotionPolicy.auto(Duration.ZERO))));
      FleetUpgradeWorkflow upgrade = env.getWorkflowClient().newWorkflowStub(FleetUpgradeWorkflow.class,
          WorkflowOptions.newBuilder().setWorkflowId(request.workflowId()).setTaskQueue(FleetWorkflows.TASK_QUEUE).build());
      WorkflowClient.start(upgrade::run, request);

      // When status looks while the verify is on its third attempt or later
      PendingStep verify = null;
      FleetStatus status = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (verify == null && System.nanoTime() < deadline) {
        env.sleep(Duration.ofSeconds(5));
        status = upgrade.status();
        verify = PendingSteps.of(env.getWorkflowServiceStubs(), env.getNamespace(), status, null).stream()
            .filter(p -> p.attempt() >= 3).findFirst().orElse(null);
      }

      // Then it names the step, the attempt of 15, the failure and since when the step runs
      assertThat(verify).as("a verify on its third attempt; last status: %s", status).isNotNull();
      assertThat(verify.workflowId()).isEqualTo("fleet-upgrade-v1.31.2/sandbox");
      assertThat(verify.stage()).isEqualTo("sandbox");
      assertThat(verify.label()).isEqualTo("verify:" + MEMBER);
      assertThat(verify.activity()).isEqualTo("verify");
      assertThat(verify.maximumAttempts()).isEqualTo(15);
      assertThat(verify.lastFailure()).contains(ERROR);
      assertThat(verify.since()).isEqualTo(status.stage("sandbox").stepSince()).isNotNull();
      assertThat(verify.scheduled()).isNotNull();
      // (the Java test server leaves these out; a real server fills them in between attempts)
      assertThat(verify.nextAttempt()).isNull();
      assertThat(verify.retryIntervalSeconds()).isNull();
      assertThat(status.lastError()).as("nothing blocked: the workflow does not know of the failures").isNull();

      String shown = StatusTable.pending(List.of(verify), Instant.ofEpochMilli(env.currentTimeMillis()));
      assertThat(shown).contains("sandbox     verify:" + MEMBER + ": attempt " + verify.attempt() + " of 15 since 10:00:",
          "last failure: simulated fault at verify on " + MEMBER + ": " + ERROR);
      upgrade.abort("test done");
    }
  }
}
