package org.fleetupgrade.reboot;

import io.temporal.activity.ActivityOptions;
import io.temporal.common.RetryOptions;
import io.temporal.workflow.Async;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.util.List;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;

public class RollingRebootWorkflowImpl implements RollingRebootWorkflow {

  /** Progress is reported to the stage when it moved by this many percent, not per node. */
  private static final int REPORT_EVERY_PERCENT = 5;

  private RebootActivities reboots;
  private boolean paused;

  @Override
  public RebootSummary run(RollingReboot input) {
    paused = input.paused();
    // The wave timeout comes from the stage's budget, so the stub is built per run.
    reboots = Workflow.newActivityStub(RebootActivities.class, ActivityOptions.newBuilder()
        .setStartToCloseTimeout(input.waveTimeout())
        .setHeartbeatTimeout(Duration.ofMinutes(2))
        .setRetryOptions(RetryOptions.newBuilder()
            .setInitialInterval(Duration.ofSeconds(10))
            .setBackoffCoefficient(2)
            .setMaximumAttempts(3)
            .build())
        .build());
    int rebooted = input.rebooted();
    int already = input.alreadyAtTarget();
    int total = input.total();
    int lastReported = percent(input.done(), total);
    List<List<String>> waves = input.waves();
    int wave = input.nextWave();
    for (int inThisRun = 0; wave < waves.size(); wave++, inThisRun++) {
      if (inThisRun >= WAVES_PER_RUN || Workflow.getInfo().isContinueAsNewSuggested()) {
        Workflow.continueAsNew(new RollingReboot(input.stage(), input.target(), input.waveTimeout(), waves, wave, rebooted,
            already, input.progressTo(), paused));
      }
      Workflow.await(() -> !paused);
      WaveResult result = reboots.rebootWave(input.stage(), waves.get(wave), input.target());
      rebooted += result.rebooted().size();
      already += result.alreadyAtTarget().size();
      int now = percent(rebooted + already, total);
      if (now - lastReported >= REPORT_EVERY_PERCENT || wave == waves.size() - 1) {
        lastReported = now;
        Promise<Void> sent = report(input.progressTo(), rebooted + already, total);
        if (wave == waves.size() - 1) {
          // A signal still in flight when the workflow completes is lost: send the last one first.
          sent.get();
        }
      }
    }
    return new RebootSummary(rebooted, already, waves.size());
  }

  private static Promise<Void> report(String stageWorkflowId, int done, int total) {
    if (stageWorkflowId == null) {
      return Workflow.newPromise(null);
    }
    StageUpgradeWorkflow stage = Workflow.newExternalWorkflowStub(StageUpgradeWorkflow.class, stageWorkflowId);
    return Async.procedure(stage::rebootProgress, done, total);
  }

  private static int percent(int done, int total) {
    return total == 0 ? 100 : (int) (100L * done / total);
  }

  @Override
  public void setPaused(boolean paused) {
    this.paused = paused;
  }
}
