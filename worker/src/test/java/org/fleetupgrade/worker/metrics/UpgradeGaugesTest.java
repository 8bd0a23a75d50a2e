package org.fleetupgrade.worker.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.fleetupgrade.worker.metrics.UpgradeGauges.Run;
import org.junit.jupiter.api.Test;

/** Which runs the gauges show: per upgrade its newest run, running or finished lately, newest first, bounded. */
class UpgradeGaugesTest {

  private static final Instant NOW = Instant.parse("2026-11-28T12:00:00Z");
  private static final Instant SINCE = NOW.minus(UpgradeGauges.FINISHED_KEPT);
  private static final WorkflowExecutionStatus RUNNING = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING;
  private static final WorkflowExecutionStatus COMPLETED = WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_COMPLETED;

  @Test
  void aNewRunAfterAnAbortedOneIsShownInsteadOfIt() {
    Run aborted = new Run("fleet-upgrade-v1.31.2", "run-1", COMPLETED, NOW.minusSeconds(7200), NOW.minusSeconds(3600));
    Run again = new Run("fleet-upgrade-v1.31.2", "run-2", RUNNING, NOW.minusSeconds(600), null);
    assertThat(UpgradeGauges.newestRunPerUpgrade(List.of(again, aborted), SINCE)).containsExactly(again);
    assertThat(UpgradeGauges.newestRunPerUpgrade(List.of(aborted, again), SINCE)).containsExactly(again);
  }

  @Test
  void aFinishedUpgradeIsShownForADayAfterItClosed() {
    Run lately = new Run("fleet-upgrade-v1.31.2", "a", COMPLETED, NOW.minusSeconds(90_000), NOW.minusSeconds(3600));
    Run long_ago = new Run("fleet-upgrade-v1.30.9", "b", COMPLETED, NOW.minusSeconds(900_000), SINCE.minusSeconds(1));
    Run running = new Run("fleet-upgrade-v1.32.0", "c", RUNNING, NOW.minusSeconds(900_000), null);
    assertThat(UpgradeGauges.newestRunPerUpgrade(List.of(lately, long_ago, running), SINCE))
        .containsExactly(lately, running);
  }

  @Test
  void atMostTheNewestUpgradesAreShown() {
    List<Run> runs = new ArrayList<>();
    for (int i = 0; i < UpgradeGauges.MAX_UPGRADES + 5; i++) {
      runs.add(new Run("fleet-upgrade-v1.31." + i, "r" + i, RUNNING, NOW.minusSeconds(1000 - i), null));
    }
    List<Run> shown = UpgradeGauges.newestRunPerUpgrade(runs, SINCE);
    assertThat(shown).hasSize(UpgradeGauges.MAX_UPGRADES);
    assertThat(shown.get(0).workflowId()).isEqualTo("fleet-upgrade-v1.31." + (UpgradeGauges.MAX_UPGRADES + 4));
  }
}
