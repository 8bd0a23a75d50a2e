package org.fleetupgrade.promotion;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.client.WorkflowOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.testing.TestWorkflowEnvironment;
import io.temporal.worker.Worker;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.version.ReleaseVersion;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The weekly promotion's own decisions, with Temporal's side (who waits, the approve Update)
 * played by a fake: only a healthy stage is promoted, and one upgrade's refusal does not stop
 * the others. The real server test (WeeklyScheduleTest) runs it against real upgrades.
 */
class WeeklyPromotionWorkflowTest {

  private static final ReleaseVersion TARGET = ReleaseVersion.parse("v1.31.2");

  private TestWorkflowEnvironment env;
  private final List<String> promoted = new ArrayList<>();

  /** Three upgrades wait; staging of the second is unhealthy; the third refuses (its gate moved on). */
  private final PromotionActivities temporal = new PromotionActivities() {
    @Override
    public List<WaitingPromotion> waitingForSchedule() {
      return List.of(new WaitingPromotion("fleet-upgrade-v1.31.2", "sandbox", "staging", TARGET),
          new WaitingPromotion("fleet-upgrade-v1.30.9", "staging", "production", TARGET),
          new WaitingPromotion("fleet-upgrade-v1.29.9", "sandbox", "staging", TARGET));
    }

    @Override
    public String promote(String upgradeId, String stage, String reason) {
      if (upgradeId.endsWith("v1.29.9")) {
        throw ApplicationFailure.newNonRetryableFailure(upgradeId + " refused the promotion of " + stage
            + ": the upgrade is being aborted", PROMOTION_REJECTED);
      }
      promoted.add(upgradeId + " " + stage + ": " + reason);
      return "approved: " + stage + " will be promoted";
    }
  };

  private final HealthActivities health = (stage, target) -> stage.equals("staging")
      ? new HealthReport(10, 9, 10, List.of("node mlab2-lga03 NotReady"))
      : new HealthReport(10, 10, 10, List.of());

  @BeforeEach
  void start() {
    env = TestWorkflowEnvironment.newInstance();
    Worker worker = env.newWorker("promotion");
    worker.registerWorkflowImplementationTypes(WeeklyPromotionWorkflowImpl.class);
    worker.registerActivitiesImplementations(temporal, health);
    env.start();
  }

  @AfterEach
  void stop() {
    env.close();
  }

  @Test
  void onlyHealthyStagesArePromotedAndARefusalStopsNoOther() {
    // When the weekly promotion runs (as the Schedule starts it)
    PromotionReport report = env.getWorkflowClient().newWorkflowStub(WeeklyPromotionWorkflow.class,
        WorkflowOptions.newBuilder().setWorkflowId("fleet-upgrade-weekly-promotion-2026-12-01T15:00:00Z")
            .setTaskQueue("promotion").build()).run();

    // Then the healthy one is promoted, with the schedule's run named in the reason
    assertThat(promoted).containsExactly("fleet-upgrade-v1.31.2 sandbox: promoted by the weekly schedule"
        + " (fleet-upgrade-weekly-promotion-2026-12-01T15:00:00Z)");
    // and the others are reported with why not
    assertThat(report.promoted()).isEqualTo(1);
    assertThat(report.outcomes()).extracting(PromotionOutcome::detail).containsExactly(
        "approved: sandbox will be promoted",
        "not promoted: staging is not healthy: 10/10 nodes at target, 9 Ready; 1 problem, e.g. node mlab2-lga03 NotReady",
        "not promoted: fleet-upgrade-v1.29.9 refused the promotion of sandbox: the upgrade is being aborted");
  }
}
