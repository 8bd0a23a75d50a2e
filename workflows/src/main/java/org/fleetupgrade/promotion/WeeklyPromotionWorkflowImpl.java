package org.fleetupgrade.promotion;

import io.temporal.activity.ActivityOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.upgrade.Retries;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.slf4j.Logger;

public class WeeklyPromotionWorkflowImpl implements WeeklyPromotionWorkflow {

  private static final Logger log = Workflow.getLogger(WeeklyPromotionWorkflowImpl.class);

  private final PromotionActivities promotions = Workflow.newActivityStub(PromotionActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(2)).setRetryOptions(Retries.SHORT_READS).build());

  private final HealthActivities health = Workflow.newActivityStub(HealthActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5)).setRetryOptions(Retries.SHORT_READS).build());

  @Override
  public PromotionReport run() {
    String reason = "promoted by the weekly schedule (" + Workflow.getInfo().getWorkflowId() + ")";
    List<PromotionOutcome> outcomes = new ArrayList<>();
    for (WaitingPromotion waiting : promotions.waitingForSchedule()) {
      outcomes.add(promote(waiting, reason));
    }
    log.info("weekly promotion: {} of {} waiting upgrades promoted", outcomes.stream().filter(PromotionOutcome::promoted)
        .count(), outcomes.size());
    return new PromotionReport(outcomes);
  }

  /**
   * The soak is over (the gate waits for the schedule only after it); health is looked at again
   * now, since a stage that turned unhealthy during the week must not be promoted on a calendar.
   * One upgrade's failure does not stop the others.
   */
  private PromotionOutcome promote(WaitingPromotion waiting, String reason) {
    try {
      HealthReport report = health.check(waiting.stage(), waiting.target());
      if (!report.converged()) {
        return new PromotionOutcome(waiting.upgradeId(), waiting.stage(), false,
            "not promoted: " + waiting.stage() + " is not healthy: " + report.summary());
      }
      return new PromotionOutcome(waiting.upgradeId(), waiting.stage(), true,
          promotions.promote(waiting.upgradeId(), waiting.stage(), reason));
    } catch (ActivityFailure failed) {
      Throwable cause = failed.getCause();
      String why = cause instanceof ApplicationFailure app ? app.getOriginalMessage() : String.valueOf(cause);
      return new PromotionOutcome(waiting.upgradeId(), waiting.stage(), false, "not promoted: " + why);
    }
  }
}
