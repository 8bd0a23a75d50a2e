package org.fleetupgrade.upgrade;

import io.temporal.workflow.QueryMethod;
import io.temporal.workflow.SignalMethod;
import io.temporal.workflow.UpdateMethod;
import io.temporal.workflow.UpdateValidatorMethod;
import io.temporal.workflow.WorkflowInterface;
import io.temporal.workflow.WorkflowMethod;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.status.FleetStatus;

/**
 * A whole upgrade, id {@code fleet-upgrade-<kubernetes version>}: changelog review, then each stage
 * in order as a child {@link StageUpgradeWorkflow}, with a promotion gate between stages.
 *
 * <p>Operators steer it with validated Updates: an update that does not apply now (approve a stage
 * that is not waiting, resume when not paused) is rejected with the reason and changes nothing.
 * Each accepted update returns a line saying what it did.
 */
@WorkflowInterface
public interface FleetUpgradeWorkflow {

  @WorkflowMethod
  FleetStatus run(UpgradeRequest request);

  @QueryMethod
  FleetStatus status();

  /** Promote {@code stage}, which has soaked and waits for approval, to the next stage. */
  @UpdateMethod
  String approve(String stage, String reason);

  @UpdateValidatorMethod(updateName = "approve")
  void validateApprove(String stage, String reason);

  /** Confirm the changelog review was read; the upgrade then starts its first stage. */
  @UpdateMethod
  String acknowledge(String reason);

  @UpdateValidatorMethod(updateName = "acknowledge")
  void validateAcknowledge(String reason);

  /** Stop before the next step (a running step finishes; no new reboot wave starts). */
  @UpdateMethod
  String pause(String reason);

  @UpdateValidatorMethod(updateName = "pause")
  void validatePause(String reason);

  @UpdateMethod
  String resume(String reason);

  @UpdateValidatorMethod(updateName = "resume")
  void validateResume(String reason);

  /** Run the BLOCKED step again. */
  @UpdateMethod
  String retry(String reason);

  @UpdateValidatorMethod(updateName = "retry")
  void validateRetry(String reason);

  /** Go past the BLOCKED step, named to guard against skipping the wrong one; the reason is recorded. */
  @UpdateMethod
  String skip(String step, String reason);

  @UpdateValidatorMethod(updateName = "skip")
  void validateSkip(String step, String reason);

  /** Stop the upgrade: the running step is cancelled, nothing further starts. */
  @UpdateMethod
  String abort(String reason);

  @UpdateValidatorMethod(updateName = "abort")
  void validateAbort(String reason);

  /** From the running stage workflow, after each of its transitions. */
  @SignalMethod
  void stageProgress(StageProgress progress);
}
