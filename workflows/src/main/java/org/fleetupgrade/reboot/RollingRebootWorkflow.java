package org.fleetupgrade.reboot;

import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;

/**
 * Reboots a stage's platform nodes wave by wave. It is its own workflow, continuing as new every
 * {@link #WAVES_PER_RUN} waves, so that per-node work never grows one history without bound.
 */
@WorkflowInterface
public interface RollingRebootWorkflow {

  int WAVES_PER_RUN = 100;

  @WorkflowMethod
  RebootSummary run(RollingReboot reboot);

  /** Paused: the running wave finishes, no new wave starts. */
  @SignalMethod
  void setPaused(boolean paused);
}
