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
import org.junit.jupiter.api.Test;

/** Per-node work must never grow one history without bound: 600 nodes, one at a time, is the worst case. */
class HistoryBoundTest {

  private static final int MAX_EVENTS = 5_000;

  @Test
  void sixHundredNodesRebootedOneByOneKeepEveryHistoryUnderFiveThousandEvents() {
    try (FleetTestEnvironment t = new FleetTestEnvironment(List.of(simulated("production", 150, 4)), List.of())) {
      StagePlan oneAtATime = new StagePlan("production", "mlab-oti", "us-east1", List.of("b", "c", "d"),
          Duration.ofHours(2), new RebootBudget(1, 1, Duration.ofMinutes(30)), PromotionPolicy.auto(Duration.ZERO));

      FleetStatus result = t.result(t.start(request(oneAtATime)));

      assertThat(result.state()).isEqualTo(FleetState.COMPLETED);
      assertThat(t.fleet.rebootCount("production")).isEqualTo(600);
      Map<String, Integer> events = historyLengths(t);
      assertThat(events.keySet()).as("the rolling reboot continued as new")
          .filteredOn(k -> k.startsWith("fleet-upgrade-v1.31.2/production/reboot")).hasSizeGreaterThan(1);
      assertThat(events).allSatisfy((run, length) -> assertThat(length).as(run).isLessThan(MAX_EVENTS));
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
