package org.fleetupgrade.worker.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.temporal.api.enums.v1.WorkflowExecutionStatus;
import io.temporal.client.WorkflowOptions;
import io.temporal.client.WorkflowStub;
import java.nio.file.Path;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.worker.cli.RealServerCli.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * `start` after a terminated run, on a real Temporal server, while a stage workflow of that run
 * still runs (a terminated parent asks its children to cancel; one mid-drain takes its time): the
 * new run is not started beside it, the operator is told which and how to see it, and once it has
 * closed `start` goes ahead.
 */
class LingeringStageTest {

  private static final String ID = "fleet-upgrade-v1.31.2";
  @TempDir
  Path dir;

  @Test
  void aNewRunWaitsUntilTheLastRunsStageWorkflowsHaveClosed() throws Exception {
    try (RealServerCli real = new RealServerCli(dir, RealServerCli.SANDBOX_BY_APPROVAL)) {
      String file = real.config.toString();
      // Given a run terminated at sandbox's gate, and production's stage workflow of that run still running
      // (stood in for by one on a task queue no worker polls: it never finishes by itself)
      real.ok("start", "--config", file, "--kubernetes", "v1.31.2");
      real.awaitStatus(ID, s -> s.gate() != null && s.gate().phase() == GatePhase.WAITING_APPROVAL);
      real.client.newUntypedWorkflowStub(ID).terminate("an operator's terminate");
      WorkflowStub lingering = real.client.newUntypedWorkflowStub("StageUpgradeWorkflow",
          WorkflowOptions.newBuilder().setWorkflowId(ID + "/production").setTaskQueue("nobody-polls-this").build());
      lingering.start();

      // When the upgrade is started again, then nothing starts and the operator is told which workflow to wait for
      Result refused = real.cli("start", "--config", file, "--kubernetes", "v1.31.2");
      assertThat(refused.code()).as(refused.out() + refused.err()).isEqualTo(Main.FAILED);
      assertThat(refused.err()).contains(ID + "/production still runs: asked to cancel when run ",
          "`temporal workflow describe --workflow-id " + ID + "/production` shows it", "nothing was started");
      assertThat(real.client.newUntypedWorkflowStub(ID).describe().getWorkflowExecutionInfo().getStatus())
          .as("the terminated run is still the last").isEqualTo(WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_TERMINATED);
      assertThat(real.ok("start", "--config", file, "--kubernetes", "v1.31.2", "--dry-run").out())
          .contains("--dry-run: nothing started; a start now would refuse: " + ID + "/production still runs");

      // When it has closed, then the upgrade starts again
      lingering.terminate("closed at last");
      assertThat(real.ok("start", "--config", file, "--kubernetes", "v1.31.2").out()).contains("started " + ID);
    }
  }
}
