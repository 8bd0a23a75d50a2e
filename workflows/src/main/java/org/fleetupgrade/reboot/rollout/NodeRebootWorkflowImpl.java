package org.fleetupgrade.reboot.rollout;

import io.temporal.activity.ActivityOptions;
import org.fleetupgrade.fleet.ActivityLiveness;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import org.fleetupgrade.reboot.node.NodeObservation;
import org.fleetupgrade.reboot.node.NodeRebootActivities;
import org.fleetupgrade.reboot.node.NodeTarget;
import org.fleetupgrade.reboot.node.TriggerOutcome;
import org.fleetupgrade.reboot.window.NodeFate;
import org.slf4j.Logger;
import org.fleetupgrade.status.Text;

public class NodeRebootWorkflowImpl implements NodeRebootWorkflow {

  /** Looks start soon after the trigger (a fast reboot takes a few minutes) and back off. */
  static final Duration FIRST_LOOK = Duration.ofSeconds(30);
  static final Duration MAX_LOOK = Duration.ofMinutes(1);
  /**
   * Near the time the fastest reboot so far took, looks come this often: a node back is seen within
   * seconds, not a minute later (a minute per node is 10% of a 10-minute reboot, and adds up over
   * every node a slot takes in turn).
   */
  static final Duration CLOSE_LOOK = Duration.ofSeconds(15);

  private static final RetryOptions RETRIES = RetryOptions.newBuilder()
      .setInitialInterval(Duration.ofSeconds(2))
      .setBackoffCoefficient(2)
      .setMaximumInterval(Duration.ofMinutes(1))
      .setMaximumAttempts(5)
      .build();

  private static final ActivityOptions NODE_OPTIONS =
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(2)).setRetryOptions(RETRIES).build();
  private NodeRebootActivities nodes = Workflow.newActivityStub(NodeRebootActivities.class, NODE_OPTIONS);

  /**
   * A drain waits for disruption budgets: it may take long (drain.timeout), and heartbeats while it
   * works, so a retry never runs beside an attempt that still evicts. The start-to-close bound only
   * catches a lost worker. (Timeouts are not part of the replayed commands.)
   */
  private static final ActivityOptions DRAIN_OPTIONS =
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofHours(2)).setHeartbeatTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RETRIES).build();
  private NodeRebootActivities drains = Workflow.newActivityStub(NodeRebootActivities.class, DRAIN_OPTIONS);

  private static final Logger log = Workflow.getLogger(NodeRebootWorkflowImpl.class);

  @Override
  public NodeResult run(NodeReboot reboot) {
    if (reboot.heartbeatTimeout() != null) {
      nodes = ActivityLiveness.stub(NodeRebootActivities.class, NODE_OPTIONS, reboot.heartbeatTimeout());
      drains = ActivityLiveness.stub(NodeRebootActivities.class, DRAIN_OPTIONS, reboot.heartbeatTimeout());
    }
    if (!reboot.reportsBack()) {
      return reboot(reboot);
    }
    NodeResult result;
    try {
      result = reboot(reboot);
    } catch (ActivityFailure | ApplicationFailure e) {
      // The rollout waits for this node's report: a step that gave up is a failed node, said so.
      result = result(reboot.target(), NodeFate.FAILED, "its reboot stopped: " + (e instanceof ActivityFailure a
          ? message(a) : e.getMessage()), 0);
    }
    report(reboot.target().rollout(), result);
    return result;
  }

  /** Tries to report this often: the rollout may be between two runs (continue-as-new). */
  static final int REPORT_ATTEMPTS = 6;

  /**
   * Signals {@code result} to the rollout by id, so it reaches whichever run is current. Awaited (a
   * signal still in flight when this workflow completes would be lost) and tried again after a
   * short durable sleep when the rollout is not found: a signal can land between the run that
   * continued as new and the next one (seen on the Java test server). A rollout gone for good
   * (terminated) is logged; its nodes are left as they are.
   */
  static void report(String rolloutId, NodeResult result) {
    NodeRolloutWorkflow rollout = Workflow.newExternalWorkflowStub(NodeRolloutWorkflow.class, rolloutId);
    Duration wait = Duration.ofSeconds(5);
    for (int attempt = 1; ; attempt++) {
      try {
        Async.procedure(rollout::nodeDone, result).get();
        return;
      } catch (RuntimeException e) {
        if (attempt == REPORT_ATTEMPTS) {
          log.warn("{}: could not report to the rollout {}: {}", result.node(), rolloutId, e.getMessage());
          return;
        }
        Workflow.sleep(wait);
        wait = wait.multipliedBy(2);
      }
    }
  }

  private NodeResult reboot(NodeReboot reboot) {
    NodeTarget target = reboot.target();
    String version = target.target().toString();
    NodeObservation before = nodes.observe(target);
    if (!before.exists()) {
      return result(target, NodeFate.FAILED, "not in the cluster", 0);
    }
    if (before.excludedBecause() != null) {
      return result(target, NodeFate.SKIPPED, "excluded: " + before.excludedBecause(), 0);
    }
    if (before.atTarget(version)) {
      if (before.cordonedByUs()) {
        nodes.uncordon(target); // an earlier run rebooted it and stopped before uncordoning
      }
      return result(target, NodeFate.ALREADY_AT_TARGET, "already at " + version, 0);
    }
    long started = Workflow.currentTimeMillis();
    try {
      drains.cordonAndDrain(target);
    } catch (ActivityFailure refused) {
      // Nothing rebooted: the node keeps serving rather than sit cordoned until someone notices.
      nodes.uncordon(target);
      return result(target, NodeFate.FAILED, "drain refused: " + message(refused), 0);
    }
    TriggerOutcome triggered = nodes.trigger(target, before.bootId());
    Duration look = reboot.firstLook() == null ? FIRST_LOOK : reboot.firstLook();
    long deadline = started + reboot.deadline().toMillis();
    while (true) {
      Workflow.sleep(look);
      NodeObservation now = nodes.observe(target);
      long seconds = (Workflow.currentTimeMillis() - started) / 1000;
      if (now.rebootedFrom(before.bootId(), version)) {
        nodes.uncordon(target);
        return result(target, NodeFate.REBOOTED, "back on a new boot at " + version + " (" + triggered.method() + ")",
            seconds);
      }
      if (now.exists() && now.ready() && now.bootId() != null && !now.bootId().equals(before.bootId())) {
        // Another boot, Ready, but not at the target: it booted the old image. Waiting will not help.
        return result(target, NodeFate.FAILED, "came back at " + now.kubeletVersion() + ", not " + version
            + " (the old image?); left cordoned", seconds);
      }
      if (Workflow.currentTimeMillis() + look.toMillis() > deadline) {
        return result(target, NodeFate.FAILED, "not back within " + Text.duration(reboot.deadline()) + " ("
            + (now.bootId() != null && now.bootId().equals(before.bootId()) ? "same boot" : "NotReady")
            + "); left cordoned", seconds);
      }
      look = nextLook(look, Duration.ofMillis(Workflow.currentTimeMillis() - started), reboot.fastestSeen());
    }
  }

  /**
   * Backing off to a minute; but, once a reboot is known to take about {@code fastest}, the look
   * before it lands on it, and from then until twice that every {@link #CLOSE_LOOK}.
   */
  static Duration nextLook(Duration last, Duration elapsed, Duration fastest) {
    Duration backedOff = last.multipliedBy(2).compareTo(MAX_LOOK) > 0 ? MAX_LOOK : last.multipliedBy(2);
    if (fastest == null || elapsed.compareTo(fastest.multipliedBy(2)) >= 0) {
      return backedOff;
    }
    Duration untilFastest = fastest.minus(elapsed);
    if (untilFastest.compareTo(CLOSE_LOOK) <= 0) {
      return CLOSE_LOOK;
    }
    return untilFastest.compareTo(MAX_LOOK) < 0 ? untilFastest : MAX_LOOK;
  }

  private static NodeResult result(NodeTarget target, NodeFate fate, String detail, long seconds) {
    return new NodeResult(target.node(), fate, detail, seconds);
  }

  private static String message(ActivityFailure failure) {
    return failure.getCause() instanceof ApplicationFailure a ? a.getOriginalMessage() : failure.getMessage();
  }
}
