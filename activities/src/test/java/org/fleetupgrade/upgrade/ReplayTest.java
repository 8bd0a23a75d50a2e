package org.fleetupgrade.upgrade;

import io.temporal.common.WorkflowExecutionHistory;
import io.temporal.testing.WorkflowReplayer;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import org.fleetupgrade.reboot.RollingRebootWorkflowImpl;
import org.junit.jupiter.api.Test;

/**
 * Replays recorded histories against today's workflow code: a change that would break running
 * upgrades (a non-deterministic change without {@code Workflow.getVersion}) fails the build here.
 * The histories come from {@link RecordReplayHistories}: an approval gate, a blocked step and a
 * retry, child stages and a rolling reboot (recorded before the acknowledge gate existed, so they
 * also guard its {@code Workflow.getVersion}), the acknowledge gate itself, and the image pipeline
 * (staging pushing main, production tagging it and pointing its hosts; change "image-pipeline"), and
 * a step entered while paused, named when it starts, and a retry that passes (change
 * "step-recorded-when-it-starts"), and a member found done having its admin.conf copied (change
 * "admin-conf-on-done-members").
 */
class ReplayTest {

  private static final String FLEET_ID = "fleet-upgrade-v1.31.2";

  @Test
  void fleetUpgradeHistoryReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("fleet-upgrade.json", FLEET_ID), FleetUpgradeWorkflowImpl.class);
  }

  @Test
  void fleetUpgradeWithAcknowledgeGateReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("fleet-upgrade-acknowledge.json", FLEET_ID),
        FleetUpgradeWorkflowImpl.class);
  }

  @Test
  void fleetUpgradeWithImagePipelineReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("fleet-upgrade-images.json", FLEET_ID), FleetUpgradeWorkflowImpl.class);
  }

  @Test
  void productionStageWithImagePipelineReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-images.json", FLEET_ID + "/production"),
        StageUpgradeWorkflowImpl.class);
  }

  @Test
  void stageWithSlidingWindowRolloutReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-window.json", FLEET_ID + "/staging"),
        StageUpgradeWorkflowImpl.class);
  }

  @Test
  void slidingWindowRolloutReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("node-rollout.json", FLEET_ID + "/staging/rollout"),
        org.fleetupgrade.reboot.rollout.NodeRolloutWorkflowImpl.class);
  }

  @Test
  void stageHearingTheRolloutsDetailsReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-details.json", FLEET_ID + "/staging"),
        StageUpgradeWorkflowImpl.class);
  }

  @Test
  void pagedRolloutReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("node-rollout-paged.json", FLEET_ID + "/staging/rollout"),
        org.fleetupgrade.reboot.rollout.NodeRolloutWorkflowImpl.class);
  }

  @Test
  void stageAbortedWhileAMemberWasDrainedReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-abort-member.json", FLEET_ID + "/sandbox"),
        StageUpgradeWorkflowImpl.class);
  }

  @Test
  void aNewRunAfterAnAbortReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("fleet-upgrade-resumed.json", FLEET_ID), FleetUpgradeWorkflowImpl.class);
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-resumed.json", FLEET_ID + "/production"),
        StageUpgradeWorkflowImpl.class);
  }

  @Test
  void aMemberFoundDoneGettingItsAdminConfCopiedReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-admin-conf.json", FLEET_ID + "/sandbox"),
        StageUpgradeWorkflowImpl.class);
  }

  @Test
  void maintenanceWindowsReplay() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-maintenance.json", FLEET_ID + "/sandbox"),
        StageUpgradeWorkflowImpl.class);
    WorkflowReplayer.replayWorkflowExecution(history("node-rollout-maintenance.json", FLEET_ID + "/sandbox/rollout"),
        org.fleetupgrade.reboot.rollout.NodeRolloutWorkflowImpl.class);
  }

  @Test
  void alertGateReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("fleet-upgrade-alerts.json", FLEET_ID), FleetUpgradeWorkflowImpl.class);
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-alerts.json", FLEET_ID + "/sandbox"),
        StageUpgradeWorkflowImpl.class);
    WorkflowReplayer.replayWorkflowExecution(history("node-rollout-alerts.json", FLEET_ID + "/sandbox/rollout"),
        org.fleetupgrade.reboot.rollout.NodeRolloutWorkflowImpl.class);
  }

  @Test
  void reviewCountingNodesAtTargetReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("upgrade-review.json", "fleet-upgrade-review-recorded"),
        org.fleetupgrade.preflight.UpgradeReviewWorkflowImpl.class);
  }

  @Test
  void rolloutStartingTheSlowestKnownFirstReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("node-rollout-slowest-first.json",
        "fleet-upgrade-v1.32.0/staging/rollout"), org.fleetupgrade.reboot.rollout.NodeRolloutWorkflowImpl.class);
  }

  @Test
  void oneNodesRebootReportingToTheRolloutReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("node-reboot-reporting.json",
        FLEET_ID + "/staging/rollout/mlab1-ams01.mlab-staging.measurement-lab.org"),
        org.fleetupgrade.reboot.rollout.NodeRebootWorkflowImpl.class);
  }

  @Test
  void oneNodesRebootReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("node-reboot.json",
        FLEET_ID + "/staging/rollout/mlab1-ams01.mlab-staging.measurement-lab.org"),
        org.fleetupgrade.reboot.rollout.NodeRebootWorkflowImpl.class);
  }

  @Test
  void stepsRecordedWhenTheyStartReplay() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade-step-starts.json", FLEET_ID + "/sandbox"),
        StageUpgradeWorkflowImpl.class);
    WorkflowReplayer.replayWorkflowExecution(history("fleet-upgrade-step-starts.json", FLEET_ID),
        FleetUpgradeWorkflowImpl.class);
  }

  @Test
  void stageUpgradeHistoryReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("stage-upgrade.json", FLEET_ID + "/staging"),
        StageUpgradeWorkflowImpl.class);
  }

  @Test
  void rollingRebootHistoryReplays() throws Exception {
    WorkflowReplayer.replayWorkflowExecution(history("rolling-reboot.json", FLEET_ID + "/staging/reboot"),
        RollingRebootWorkflowImpl.class);
  }

  /** The workflow id matters: child workflow ids are derived from it, and replay compares them. */
  private static WorkflowExecutionHistory history(String file, String workflowId) throws IOException {
    try (InputStream in = ReplayTest.class.getResourceAsStream("/histories/" + file)) {
      if (in == null) {
        throw new IOException("missing recorded history " + file);
      }
      return WorkflowExecutionHistory.fromJson(new String(in.readAllBytes(), StandardCharsets.UTF_8), workflowId);
    }
  }
}
