package org.fleetupgrade.reboot.rollout;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.reboot.RebootSummary;
import org.fleetupgrade.reboot.node.NodeTarget;
import org.fleetupgrade.reboot.window.NodeFate;
import org.fleetupgrade.reboot.window.RebootWindow;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;
import org.slf4j.Logger;

public class NodeRolloutWorkflowImpl implements NodeRolloutWorkflow {

  private static final Logger log = Workflow.getLogger(NodeRolloutWorkflowImpl.class);

  /** Continue as new, between nodes, past this many events: far below Temporal's limits. */
  static final int CONTINUE_AS_NEW_AT = 3_000;
  /** Progress goes to the stage when it moved by this many percent, not per node. */
  private static final int REPORT_EVERY_PERCENT = 5;
  public static final String NODES_FAILED = "NodesFailed";
  public static final String CANARY_FAILED = "CanaryFailed";

  /** The change id of holding kured's lock for the rollout. */
  static final String KURED_LOCK_CHANGE = "kured-lock";
  /** How often a lock held by a node is looked at again. */
  static final Duration LOCK_WAIT = Duration.ofMinutes(1);

  private final RebootLockActivities locks = Workflow.newActivityStub(RebootLockActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(2))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).build()).build());

  private final HealthActivities health = Workflow.newActivityStub(HealthActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5))
          .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).build()).build());

  private NodeRollout input;
  private RebootWindow window;
  private boolean paused;
  private final Map<String, Promise<NodeResult>> running = new LinkedHashMap<>();
  private final Map<String, Instant> since = new LinkedHashMap<>();
  private long rebootSeconds;
  private int rebootsTimed;
  private int lastReported = -1;
  private Promise<Void> lastReport;
  private boolean wasPaused;
  private String holder;
  private RebootLock lock = RebootLock.NOT_NEEDED;
  private long nextRefresh;
  private String lockWait;
  private final List<String> failedDetails = new ArrayList<>();

  @Override
  public RebootSummary run(NodeRollout rollout) {
    input = rollout;
    paused = rollout.paused();
    rebootSeconds = rollout.rebootSeconds();
    rebootsTimed = rollout.rebootsTimed();
    window = rollout.window() == null ? new RebootWindow(rollout.nodes(), rollout.limits())
        : new RebootWindow(rollout.window(), rollout.limits());
    int baseline = rollout.baselineProblems() >= 0 ? rollout.baselineProblems()
        : health.check(rollout.stage(), rollout.target()).problemsTotal();
    boolean kured = Workflow.getVersion(KURED_LOCK_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
    holder = "fleet-upgrade/" + Workflow.getInfo().getWorkflowId();
    if (kured) {
      holdLock();
    }
    try {
      while (!window.finished()) {
        boolean carryOver = Workflow.getInfo().getHistoryLength() > CONTINUE_AS_NEW_AT
            || Workflow.getInfo().isContinueAsNewSuggested();
        if (!paused && !carryOver) {
          startNodes();
        }
        if (running.isEmpty()) {
          if (carryOver) {
            continueAsNew(baseline);
          }
          if (window.canaryDone()) {
            openAfterCanary(baseline);
            continue;
          }
          if (window.budgetSpent()) {
            break;
          }
          awaitOrRefresh(() -> !paused);
          continue;
        }
        awaitOrRefresh(() -> running.values().stream().anyMatch(Promise::isCompleted) || paused != wasPaused);
        wasPaused = paused;
        collect();
      }
    } catch (CanceledFailure aborted) {
      // Aborted: start nothing, let the nodes in flight come back, then go.
      Workflow.newDetachedCancellationScope(() -> {
        while (!running.isEmpty()) {
          Workflow.await(() -> running.values().stream().anyMatch(Promise::isCompleted));
          collect();
        }
        awaitReport();
        releaseLock();
      }).run();
      throw aborted;
    } catch (RuntimeException failed) {
      Workflow.newDetachedCancellationScope(this::releaseLock).run();
      throw failed;
    }
    releaseLock();
    report(true);
    awaitReport();
    if (!window.failed().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure(window.failed().size() + " node(s) not back at "
          + input.target() + ": " + String.join("; ", failedDetails) + (window.budgetSpent() ? " (over the failure"
          + " budget of " + input.limits().maxFailedNodes() + ": no new node was started)" : "")
          + "; they are left cordoned. retry checks them again (and reboots those still on the old boot),"
          + " skip accepts them", NODES_FAILED);
    }
    return new RebootSummary(window.count(NodeFate.REBOOTED), window.count(NodeFate.ALREADY_AT_TARGET)
        + window.count(NodeFate.SKIPPED), 0);
  }


  /**
   * Holds kured's lock before any node reboots, so kured reboots none on its own meanwhile; a lock
   * held by a node (kured rebooting it) is waited for, and shown.
   */
  private void holdLock() {
    while (true) {
      lock = locks.acquire(input.stage(), holder);
      if (lock.mayReboot()) {
        lockWait = null;
        nextRefresh = Workflow.currentTimeMillis() + lock.refreshEverySeconds() * 1000;
        return;
      }
      lockWait = "kured's lock is held by " + lock.heldBy() + (lock.heldSince() == null ? "" : " since "
          + lock.heldSince()) + ": waiting";
      log.info("{}: {}", input.stage(), lockWait);
      Workflow.sleep(LOCK_WAIT);
    }
  }

  /** Waits for {@code condition}, refreshing kured's lock when it is due (and holding it again if lost). */
  private void awaitOrRefresh(java.util.function.Supplier<Boolean> condition) {
    if (!lock.needed() || !lock.holding()) {
      Workflow.await(condition::get);
      return;
    }
    while (true) {
      long due = nextRefresh - Workflow.currentTimeMillis();
      if (due <= 0) {
        if (!locks.refresh(input.stage(), holder)) {
          holdLock();
        }
        nextRefresh = Workflow.currentTimeMillis() + lock.refreshEverySeconds() * 1000;
        continue;
      }
      if (Workflow.await(Duration.ofMillis(due), condition::get)) {
        return;
      }
    }
  }

  private void releaseLock() {
    if (lock.needed() && lock.holding()) {
      try {
        locks.release(input.stage(), holder);
      } catch (RuntimeException e) {
        log.warn("{}: releasing kured's lock failed (it expires by itself): {}", input.stage(), e.getMessage());
      }
      lock = RebootLock.NOT_NEEDED;
    }
  }

  private void startNodes() {
    String rolloutId = Workflow.getInfo().getWorkflowId();
    for (String node : window.next()) {
      NodeRebootWorkflow child = Workflow.newChildWorkflowStub(NodeRebootWorkflow.class, ChildWorkflowOptions.newBuilder()
          .setWorkflowId(NodeRebootWorkflow.workflowId(rolloutId, node))
          .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE)
          .build());
      NodeReboot reboot = new NodeReboot(new NodeTarget(input.stage(), node, input.target(), rolloutId),
          input.nodeDeadline(), input.firstLook());
      // Detached: cancelling (aborting) the rollout must not cancel a node halfway through its reboot.
      Workflow.newDetachedCancellationScope(() -> running.put(node, Async.function(child::run, reboot))).run();
      since.put(node, Instant.ofEpochMilli(Workflow.currentTimeMillis()));
    }
  }

  private void collect() {
    for (String node : new ArrayList<>(running.keySet())) {
      Promise<NodeResult> done = running.get(node);
      if (!done.isCompleted()) {
        continue;
      }
      running.remove(node);
      since.remove(node);
      NodeResult result;
      try {
        result = done.get();
      } catch (RuntimeException e) {
        result = new NodeResult(node, NodeFate.FAILED, "its reboot workflow failed: " + e.getMessage(), 0);
      }
      window.finished(node, result.fate());
      if (result.fate() == NodeFate.FAILED) {
        failedDetails.add(node + ": " + result.detail());
        log.warn("{}: {} failed: {}", input.stage(), node, result.detail());
      }
      if (result.fate() == NodeFate.REBOOTED) {
        rebootSeconds += result.seconds();
        rebootsTimed++;
      }
    }
    report(false);
  }

  /** The canary is back: the window opens only if it came back and the stage is no worse than before. */
  private void openAfterCanary(int baseline) {
    if (!window.failed().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("the canary did not come back: " + String.join("; ",
          failedDetails) + "; no other node was started", CANARY_FAILED);
    }
    HealthReport now = health.check(input.stage(), input.target());
    if (now.problemsTotal() > baseline) {
      throw ApplicationFailure.newNonRetryableFailure("after the canary the stage has " + now.problemsTotal()
          + " problem(s), " + baseline + " before: " + now.summary() + "; no other node was started", CANARY_FAILED);
    }
    window.open();
  }

  /** The lock stays held across the continue-as-new: the next run refreshes it. */
  private void continueAsNew(int baseline) {
    awaitReport();
    Workflow.continueAsNew(new NodeRollout(input.stage(), input.target(), input.limits(), input.nodeDeadline(),
        List.of(), input.progressTo(), paused, window.state(), baseline, rebootSeconds, rebootsTimed, input.firstLook()));
  }

  private void report(boolean last) {
    int total = total();
    int done = progress().done();
    int percent = total == 0 ? 100 : (int) (100L * done / total);
    if (input.progressTo() == null || (!last && percent - lastReported < REPORT_EVERY_PERCENT)) {
      return;
    }
    lastReported = percent;
    StageUpgradeWorkflow stage = Workflow.newExternalWorkflowStub(StageUpgradeWorkflow.class, input.progressTo());
    lastReport = Async.procedure(stage::rebootProgress, done, total);
  }

  /** A signal still in flight when this run closes (completes or continues as new) would be lost. */
  private void awaitReport() {
    if (lastReport != null) {
      try {
        lastReport.get();
      } catch (RuntimeException e) {
        log.warn("{}: progress report failed: {}", input.stage(), e.getMessage());
      }
    }
  }

  private int total() {
    return window.remaining() + window.inFlightCount() + window.count(NodeFate.REBOOTED)
        + window.count(NodeFate.ALREADY_AT_TARGET) + window.count(NodeFate.SKIPPED) + window.count(NodeFate.FAILED);
  }

  @Override
  public void setPaused(boolean paused) {
    this.paused = paused;
  }

  @Override
  public RolloutProgress progress() {
    if (window == null) {
      return new RolloutProgress(0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), 0, null, true, paused, lockWait);
    }
    List<RolloutProgress.InFlight> flying = new ArrayList<>();
    since.forEach((node, at) -> flying.add(new RolloutProgress.InFlight(node, window.siteOf(node), at)));
    long mean = rebootsTimed == 0 ? 0 : rebootSeconds / rebootsTimed;
    Instant eta = null;
    if (mean > 0 && window.isOpen()) {
      long rounds = (window.remaining() + input.limits().maxUnavailable() - 1) / input.limits().maxUnavailable();
      eta = Instant.ofEpochMilli(Workflow.currentTimeMillis()).plusSeconds((rounds + 1) * mean);
    }
    return new RolloutProgress(total(), window.count(NodeFate.REBOOTED), window.count(NodeFate.ALREADY_AT_TARGET),
        window.count(NodeFate.SKIPPED), window.count(NodeFate.FAILED), window.inFlightCount(), window.remaining(),
        flying, window.failed(), mean, eta, !window.isOpen(), paused, lockWait);
  }
}
