package org.fleetupgrade.upgrade;

import static org.assertj.core.api.Assertions.assertThat;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.request;
import static org.fleetupgrade.upgrade.FleetTestEnvironment.simulated;

import io.temporal.api.workflow.v1.WorkflowExecutionInfo;
import io.temporal.api.workflowservice.v1.ListClosedWorkflowExecutionsRequest;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.fleet.RebootBudget;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.StageState;
import org.junit.jupiter.api.Test;

/**
 * Per-node work must never grow one history without bound: 600 nodes, one at a time, is the worst case.
 * (The stage is staging because a production alone releases only what main already carries.)
 */
class HistoryBoundTest {

  private static final int MAX_EVENTS = 5_000;

  @Test
  void sixHundredNodesRebootedOneByOneKeepEveryHistoryUnderFiveThousandEvents() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("staging", 150, 4)), List.of())) {
      StagePlan oneAtATime = new StagePlan("staging", "mlab-oti", "us-east1", List.of("b", "c", "d"),
          Duration.ofHours(2), new RebootBudget(1, 1, Duration.ofMinutes(30)), PromotionPolicy.auto(Duration.ZERO));

      FleetStatus result = t.result(t.start(request(oneAtATime)));

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.rebootCount("staging")).isEqualTo(600);
      Map<String, Integer> events = historyLengths(t);
      assertThat(events.keySet()).as("the rollout continued as new")
          .filteredOn(k -> k.startsWith("fleet-upgrade-v1.31.2/staging/rollout@")).hasSizeGreaterThan(1);
      assertThat(events).allSatisfy((run, length) -> assertThat(length).as(run).isLessThan(MAX_EVENTS));
    }
  }

  @Test
  void pauseReachesARollingRebootThatContinuedAsNew() {
    // 600 nodes one at a time: the rollout continues as new (past 3,000 events, ~370 nodes), and the
    // pause must reach the new run. Status polls move test time 20 minutes each.
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("staging", 150, 4)), List.of())) {
      StagePlan oneAtATime = new StagePlan("staging", "mlab-oti", "us-east1", List.of("b", "c", "d"),
          Duration.ofHours(2), new RebootBudget(1, 1, Duration.ofMinutes(30)), PromotionPolicy.auto(Duration.ZERO));
      FleetUpgradeWorkflow upgrade = t.start(request(oneAtATime));
      t.awaitStatus(upgrade, s -> s.stage("staging").nodes().atTarget() > 3 + 1 + 450);
      assertThat(historyLengths(t).keySet()).as("the rollout continued as new before the pause")
          .anyMatch(k -> k.startsWith("fleet-upgrade-v1.31.2/staging/rollout@"));

      upgrade.pause("checking a site");
      t.awaitStatus(upgrade, s -> s.stage("staging").state() == StageState.PAUSED);
      t.skip(Duration.ofMinutes(30));
      int rebootsWhenPaused = t.fleet.rebootCount("staging");
      t.skip(Duration.ofHours(6));
      assertThat(t.fleet.rebootCount("staging")).as("no new node while paused").isEqualTo(rebootsWhenPaused);
      assertThat(rebootsWhenPaused).isBetween(451, 599);

      upgrade.resume("site fine");
      assertThat(t.result(upgrade).state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.rebootCount("staging")).isEqualTo(600);
    }
  }

  /** Every closed run's history length, by "workflow id@run id". */
  private static Map<String, Integer> historyLengths(FleetTestEnvironment t) {
    List<WorkflowExecutionInfo> runs = t.env.getWorkflowServiceStubs().blockingStub()
        .listClosedWorkflowExecutions(ListClosedWorkflowExecutionsRequest.newBuilder()
            .setNamespace(t.env.getNamespace()).setMaximumPageSize(1000).build())
        .getExecutionsList();
    Map<String, Integer> lengths = new LinkedHashMap<>();
    for (WorkflowExecutionInfo run : runs) {
      String id = run.getExecution().getWorkflowId();
      lengths.put(id + "@" + run.getExecution().getRunId(),
          t.client.fetchHistory(id, run.getExecution().getRunId()).getEvents().size());
    }
    return lengths;
  }
}
