package org.fleetupgrade.reboot.rollout;

import io.temporal.activity.ActivityOptions;
import org.fleetupgrade.fleet.ActivityLiveness;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.common.RetryOptions;
import io.temporal.failure.ActivityFailure;
import io.temporal.failure.ApplicationFailure;
import io.temporal.failure.CanceledFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Functions;
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
import org.fleetupgrade.metrics.UpgradeMetrics;
import org.fleetupgrade.reboot.RebootSummary;
import org.fleetupgrade.reboot.node.NodePage;
import org.fleetupgrade.reboot.node.NodeRebootActivities;
import org.fleetupgrade.reboot.node.NodeTarget;
import org.fleetupgrade.reboot.window.NodeFate;
import org.fleetupgrade.reboot.window.RebootWindow;
import org.fleetupgrade.upgrade.StageUpgradeWorkflow;
import org.slf4j.Logger;
import org.fleetupgrade.status.Text;

public class NodeRolloutWorkflowImpl implements NodeRolloutWorkflow {

  private static final Logger log = Workflow.getLogger(NodeRolloutWorkflowImpl.class);

  /** Continue as new, between nodes, past this many events: far below Temporal's limits. */
  static final int CONTINUE_AS_NEW_AT = 3_000;
  /** Progress goes to the stage when it moved by this many percent, not per node. */
  private static final int REPORT_EVERY_PERCENT = 5;
  public static final String NODES_FAILED = "NodesFailed";
  public static final String CANARY_FAILED = "CanaryFailed";

  /**
   * The change id of the paged rollout: the node list read page by page, nodes reporting back by
   * signal, and continue-as-new with nodes in flight (before, the window drained first).
   */
  static final String PAGED_CHANGE = "paged-rollout";
  /** Nodes read per page, and the buffer below which the next page is read: payloads stay far below 256 KB. */
  static final int PAGE = 500;
  /** How often a paged rollout wakes while nodes are in flight or the lock is held: lock refresh, overdue nodes. */
  static final Duration TICK = Duration.ofMinutes(5);
  /**
   * A node whose reboot workflow has not reported this long after its deadline is taken as failed:
   * its workflow was terminated by hand, or lost. Generous: drains may retry for over an hour first.
   */
  static final Duration REPORT_GRACE = Duration.ofHours(2);

  /**
   * The change id of the rollout telling the stage its details (counts, nodes in flight, failures,
   * ETA, what it waits for) instead of only done/total.
   */
  static final String DETAILS_CHANGE = "rollout-details";
  /** Nodes whose last reboot was slow start first ({@link RebootWindow#slowestKnownFirst}). */
  static final String SLOWEST_FIRST_CHANGE = "slowest-known-first";

  /** The change id of holding kured's lock for the rollout. */
  static final String KURED_LOCK_CHANGE = "kured-lock";
  /** How often a lock held by a node is looked at again. */
  static final Duration LOCK_WAIT = Duration.ofMinutes(1);

  private static final ActivityOptions LOCK_OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(2))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).build()).build();
  private RebootLockActivities locks = Workflow.newActivityStub(RebootLockActivities.class, LOCK_OPTIONS);

  private static final ActivityOptions NODE_LIST_OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(5))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).build()).build();
  private NodeRebootActivities nodeList = Workflow.newActivityStub(NodeRebootActivities.class, NODE_LIST_OPTIONS);

  /** Starting workflows is quick; retried, it starts none twice. */
  private static final ActivityOptions LAUNCH_OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(1))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).build()).build();
  private NodeLaunchActivities launcher = Workflow.newActivityStub(NodeLaunchActivities.class, LAUNCH_OPTIONS);

  private static final ActivityOptions HEALTH_OPTIONS = ActivityOptions.newBuilder()
      .setStartToCloseTimeout(Duration.ofMinutes(5))
      .setRetryOptions(RetryOptions.newBuilder().setMaximumAttempts(5).build()).build();
  private HealthActivities health = Workflow.newActivityStub(HealthActivities.class, HEALTH_OPTIONS);

  private final org.fleetupgrade.alerts.AlertActivities alerts = Workflow.newActivityStub(
      org.fleetupgrade.alerts.AlertActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(1))
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
  /** What the rollout waits for outside its maintenance window, or null. */
  private String maintenanceWait;
  /** The alert gate's last answer, when it was asked (workflow millis), and what the rollout waits on. */
  private org.fleetupgrade.alerts.AlertCheck alertCheck;
  private long alertCheckedAt;
  private String alertWait;
  /** Since when the alerts hold the rollout with nothing in flight (-1: they do not); the poll now and its timer. */
  private long alertsHeldSince = -1;
  private Duration alertPoll;
  private Promise<Void> alertTimer;
  private final List<String> failedDetails = new ArrayList<>();
  private boolean paged;
  private NodePaging paging = NodePaging.START;
  /** Reports that came by signal, not yet taken into the window. */
  private final Map<String, NodeResult> arrived = new LinkedHashMap<>();
  private Promise<Void> tick;
  private boolean details;
  private String lastReportKey;
  private String lastReportSummary;
  private NodeResult slowest;
  private NodeResult fastest;

  @Override
  public RebootSummary run(NodeRollout rollout) {
    input = rollout;
    if (rollout.heartbeatTimeout() != null) {
      locks = ActivityLiveness.stub(RebootLockActivities.class, LOCK_OPTIONS, rollout.heartbeatTimeout());
      nodeList = ActivityLiveness.stub(NodeRebootActivities.class, NODE_LIST_OPTIONS, rollout.heartbeatTimeout());
      launcher = ActivityLiveness.stub(NodeLaunchActivities.class, LAUNCH_OPTIONS, rollout.heartbeatTimeout());
      health = ActivityLiveness.stub(HealthActivities.class, HEALTH_OPTIONS, rollout.heartbeatTimeout());
    }
    paused = rollout.paused();
    rebootSeconds = rollout.rebootSeconds();
    rebootsTimed = rollout.rebootsTimed();
    paged = Workflow.getVersion(PAGED_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
    if (rollout.window() != null) {
      window = new RebootWindow(rollout.window(), rollout.limits());
      paging = rollout.paging() == null ? new NodePaging(null, false, 0, List.of()) : rollout.paging();
    } else if (!rollout.nodes().isEmpty() || !paged) {
      window = new RebootWindow(rollout.nodes(), rollout.limits());
      paging = new NodePaging(null, false, rollout.nodes().size(), List.of());
    } else {
      window = new RebootWindow(rollout.limits());
    }
    if (paged) {
      if (Workflow.getVersion(SLOWEST_FIRST_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1) {
        window.slowestKnownFirst();
      } else {
        window.mostLeftFirst();
      }
    }
    details = Workflow.getVersion(DETAILS_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
    slowest = rollout.slowest();
    fastest = rollout.fastest();
    since.putAll(rollout.inFlightSince());
    failedDetails.addAll(rollout.failedDetails());
    int baseline = rollout.baselineProblems() >= 0 ? rollout.baselineProblems()
        : toTheEnd(() -> health.check(rollout.stage(), rollout.target())).problemsTotal();
    boolean kured = Workflow.getVersion(KURED_LOCK_CHANGE, Workflow.DEFAULT_VERSION, 1) == 1;
    holder = "fleet-upgrade/" + Workflow.getInfo().getWorkflowId();
    if (kured) {
      holdLock();
    }
    try {
      while (true) {
        if (paged) {
          refill();
        }
        if (window.finished() && !paging.more()) {
          break;
        }
        boolean carryOver = Workflow.getInfo().getHistoryLength() > CONTINUE_AS_NEW_AT
            || Workflow.getInfo().isContinueAsNewSuggested();
        boolean closed = outsideMaintenance();
        boolean alerted = !paused && !carryOver && !closed && alertsHold();
        if (!paused && !carryOver && !closed && !alerted) {
          startNodes();
        }
        if (carryOver && (paged || running.isEmpty())) {
          continueAsNew(baseline);
        }
        if (window.inFlightCount() == 0) {
          if (window.canaryDone()) {
            openAfterCanary(baseline);
            continue;
          }
          if (window.budgetSpent()) {
            break;
          }
          if (closed && !paused) {
            awaitMaintenance();
            continue;
          }
          if (alerted) {
            awaitAlerts();
            continue;
          }
          awaitOrRefresh(() -> !paused);
          continue;
        }
        awaitOrRefresh(() -> anyEnded() || paused != wasPaused);
        wasPaused = paused;
        collect();
      }
    } catch (CanceledFailure aborted) {
      // Aborted: start nothing, let the nodes in flight come back, then go.
      Workflow.newDetachedCancellationScope(() -> {
        while (window.inFlightCount() > 0) {
          awaitOrRefresh(this::anyEnded);
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
      throw ApplicationFailure.newNonRetryableFailure(Text.count(window.failed().size(), "node") + " not back at "
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
      lock = toTheEnd(() -> locks.acquire(input.stage(), holder));
      if (lock.mayReboot()) {
        if (lockWait != null && details) {
          lockWait = null;
          report(false);
        }
        lockWait = null;
        nextRefresh = Workflow.currentTimeMillis() + lock.refreshEverySeconds() * 1000;
        return;
      }
      lockWait = "kured's lock is held by " + lock.heldBy() + (lock.heldSince() == null ? "" : " since "
          + lock.heldSince()) + ": waiting";
      log.info("{}: {}", input.stage(), lockWait);
      if (details) {
        report(false);
      }
      Promise<Void> retry = detachedTimer(LOCK_WAIT);
      Workflow.await(retry::isCompleted);
    }
  }

  /** Waits for {@code condition}, refreshing kured's lock when it is due (and holding it again if lost). */
  private void awaitOrRefresh(java.util.function.Supplier<Boolean> condition) {
    if (paged) {
      awaitTicking(condition);
      return;
    }
    if (!lock.needed() || !lock.holding()) {
      Workflow.await(condition::get);
      return;
    }
    while (true) {
      long due = nextRefresh - Workflow.currentTimeMillis();
      if (due <= 0) {
        if (!toTheEnd(() -> locks.refresh(input.stage(), holder))) {
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

  /**
   * Waits for {@code condition}, or one tick: while nodes are in flight or the lock is held, one
   * timer at a time (not one per wait) wakes the rollout to refresh the lock and to give up on a
   * node whose workflow never reported. Returns after a tick, so the caller may continue as new.
   */
  private void awaitTicking(java.util.function.Supplier<Boolean> condition) {
    boolean holdingLock = lock.needed() && lock.holding();
    if (!holdingLock && window.inFlightCount() == 0) {
      Workflow.await(condition::get);
      return;
    }
    if (tick == null) {
      // An abort does not cancel the tick (the abort path waits on it too), so no cancel can
      // race the timer firing (the Java test server loses the workflow task then).
      tick = detachedTimer(TICK);
    }
    Workflow.await(() -> condition.get() || tick.isCompleted());
    if (!tick.isCompleted()) {
      return;
    }
    tick = null;
    long now = Workflow.currentTimeMillis();
    if (holdingLock) {
      refreshLockIfDue();
    }
    Duration overdue = input.nodeDeadline().plus(REPORT_GRACE);
    since.forEach((node, at) -> {
      if (!arrived.containsKey(node) && at.plus(overdue).toEpochMilli() <= now) {
        arrived.put(node, new NodeResult(node, NodeFate.FAILED, "its reboot workflow " + NodeRebootWorkflow.workflowId(
            Workflow.getInfo().getWorkflowId(), node) + " did not report back within " + overdue
            + " (terminated?); left as it is", 0));
      }
    });
  }

  /** Whether no node may start now: outside the stage's maintenance window (none: always inside). */
  private boolean outsideMaintenance() {
    return input.maintenance() != null && !input.maintenance().isOpen(Instant.ofEpochMilli(Workflow.currentTimeMillis()));
  }

  /**
   * Outside the maintenance window with nothing in flight: waits for its opening (a timer, so the
   * wait costs a few events however long), holding kured's lock meanwhile, or for a pause or resume.
   */
  private void awaitMaintenance() {
    Instant now = Instant.ofEpochMilli(Workflow.currentTimeMillis());
    Instant opening = input.maintenance().nextOpening(now);
    maintenanceWait = "the maintenance window that opens at " + opening.truncatedTo(java.time.temporal.ChronoUnit.MINUTES)
        + " (" + input.maintenance() + ")";
    log.info("{}: waiting for {}", input.stage(), maintenanceWait);
    boolean wasPaused = paused;
    // Nothing is in flight: kured's lock is let go while the rollout may reboot nothing (kured's own
    // reboots are not held up for days, and the wait is one timer), and held again before any node.
    boolean held = lock.needed() && lock.holding();
    if (held) {
      releaseLock();
      maintenanceWait += "; kured's lock released meanwhile";
    }
    Promise<Void> opened = detachedTimer(Duration.between(now, opening));
    Workflow.await(() -> opened.isCompleted() || paused != wasPaused);
    maintenanceWait = null;
    if (held) {
      holdLock();
    }
  }

  /**
   * Whether the stage's alert gate holds new nodes back: asked at most once per the gate's
   * {@code cacheFor} of workflow time (every time when it is zero); none: never.
   */
  private boolean alertsHold() {
    org.fleetupgrade.alerts.AlertGate gate = input.alerts();
    if (gate == null) {
      return false;
    }
    long now = Workflow.currentTimeMillis();
    if (alertCheck == null || now >= alertCheckedAt + gate.cacheFor().toMillis()) {
      alertCheck = toTheEnd(() -> alerts.firing(input.stage()));
      alertCheckedAt = now;
      String was = alertWait;
      alertWait = alertCheck.holds() ? "no new node while " + alertCheck.summary() : null;
      if (!alertCheck.holds()) {
        alertsHeldSince = -1;
        alertPoll = null;
      }
      if (alertWait != null || was != null) {
        log.info("{}: {}", input.stage(), alertWait == null ? "alerts cleared" : alertWait);
      }
      if (details && !java.util.Objects.equals(was, alertWait)) {
        report(false);
      }
    }
    return alertCheck.holds();
  }

  /**
   * Alerts hold new nodes and nothing is in flight: waits one poll (a timer; doubling up to the
   * gate's maxPoll) or for a pause, then asks again. Past the gate's blockAfter the rollout fails,
   * so the stage's reboot step BLOCKS (retry starts the rollout again, skip goes past it).
   */
  private void awaitAlerts() {
    org.fleetupgrade.alerts.AlertGate gate = input.alerts();
    long now = Workflow.currentTimeMillis();
    if (alertsHeldSince < 0) {
      alertsHeldSince = now;
    }
    Duration held = Duration.ofMillis(now - alertsHeldSince);
    if (held.compareTo(gate.blockAfter()) >= 0) {
      throw ApplicationFailure.newNonRetryableFailure(input.stage() + ": " + alertCheck.summary() + "; still after "
          + Text.duration(held.truncatedTo(java.time.temporal.ChronoUnit.MINUTES)) + " (alerts.blockAfter "
          + Text.duration(gate.blockAfter()) + "): no node was started meanwhile; retry checks again, skip goes past"
          + " the rolling reboot", "AlertsFiring");
    }
    if (alertTimer == null) {
      alertPoll = alertPoll == null ? gate.pollInterval() : gate.nextPoll(alertPoll);
      Duration left = gate.blockAfter().minus(held);
      alertTimer = detachedTimer(alertPoll.compareTo(left) < 0 ? alertPoll : left);
    }
    boolean wasPausedNow = paused;
    Promise<Void> timer = alertTimer;
    awaitOrRefresh(() -> timer.isCompleted() || paused != wasPausedNow);
    if (timer.isCompleted()) {
      alertTimer = null;
      alertCheck = null; // ask again now, whatever the cache says
    }
  }

  /** Refreshes kured's lock when due (holding it again if it was lost). */
  private void refreshLockIfDue() {
    if (Workflow.currentTimeMillis() >= nextRefresh) {
      if (!toTheEnd(() -> locks.refresh(input.stage(), holder))) {
        holdLock();
      }
      nextRefresh = Workflow.currentTimeMillis() + lock.refreshEverySeconds() * 1000;
    }
  }

  private boolean anyEnded() {
    return !arrived.isEmpty() || running.values().stream().anyMatch(Promise::isCompleted);
  }

  /** Reads the next pages of the stage's node list while the window runs low. */
  private void refill() {
    while (paging.more() && window.remaining() < PAGE) {
      NodePage page = toTheEnd(() -> nodeList.pendingNodes(input.stage(), input.target(), paging.after(), PAGE));
      window.add(page.pending());
      window.counted(NodeFate.ALREADY_AT_TARGET, page.atTarget());
      window.counted(NodeFate.SKIPPED, page.excluded());
      paging = paging.read(page);
      if (page.excluded() > 0) {
        log.info("{}: {} node(s) left alone: {}", input.stage(), page.excluded(), String.join(", ", page.excludedSample()));
      }
    }
  }

  @Override
  public void nodeDone(NodeResult result) {
    arrived.put(result.node(), result);
  }

  /** A timer an abort does not cancel; the wait on it still ends with the abort. */
  private static Promise<Void> detachedTimer(Duration delay) {
    List<Promise<Void>> timer = new ArrayList<>(1);
    Workflow.newDetachedCancellationScope(() -> {
      timer.add(Workflow.newTimer(delay));
    }).run();
    return timer.get(0);
  }

  /**
   * Runs one of the rollout's own short activities (kured's lock, the next page of nodes, a
   * health check, starting node workflows) to its end even when the rollout is aborted meanwhile:
   * the abort path relies on what it did, and the abort takes effect at the next wait. Not asking
   * the server to cancel an activity that may just have finished also avoids a race the Java test
   * server does not survive (the cancel fails with ACTIVITY_UNKNOWN and the workflow task is lost).
   */
  private static <T> T toTheEnd(Functions.Func<T> activity) {
    List<T> result = new ArrayList<>(1);
    Workflow.newDetachedCancellationScope(() -> {
      result.add(activity.apply());
    }).run();
    return result.get(0);
  }

  private void releaseLock() {
    if (lock.needed() && lock.holding()) {
      try {
        toTheEnd(() -> {
          locks.release(input.stage(), holder);
          return null;
        });
      } catch (RuntimeException e) {
        log.warn("{}: releasing kured's lock failed (it expires by itself): {}", input.stage(), e.getMessage());
      }
      lock = RebootLock.NOT_NEEDED;
    }
  }

  private void startNodes() {
    String rolloutId = Workflow.getInfo().getWorkflowId();
    List<String> starting = window.next();
    if (paged) {
      launch(rolloutId, starting);
      return;
    }
    for (String node : starting) {
      NodeRebootWorkflow child = Workflow.newChildWorkflowStub(NodeRebootWorkflow.class, ChildWorkflowOptions.newBuilder()
          .setWorkflowId(NodeRebootWorkflow.workflowId(rolloutId, node))
          .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_TERMINATE)
          .build());
      NodeReboot reboot = new NodeReboot(new NodeTarget(input.stage(), node, input.target(), rolloutId),
          input.nodeDeadline(), input.firstLook(), false, null, input.heartbeatTimeout());
      // Detached: cancelling (aborting) the rollout must not cancel a node halfway through its reboot.
      Workflow.newDetachedCancellationScope(() -> running.put(node, Async.function(child::run, reboot))).run();
      since.put(node, Instant.ofEpochMilli(Workflow.currentTimeMillis()));
    }
  }

  /**
   * Paged: each node's workflow is started as a workflow of its own ({@link NodeLaunchActivities}),
   * so it outlives the run that started it; it reports its end to whichever run is current.
   */
  private void launch(String rolloutId, List<String> starting) {
    Instant now = Instant.ofEpochMilli(Workflow.currentTimeMillis());
    List<NodeReboot> reboots = new ArrayList<>();
    for (String node : starting) {
      reboots.add(new NodeReboot(new NodeTarget(input.stage(), node, input.target(), rolloutId), input.nodeDeadline(),
          input.firstLook(), true, fastest == null ? null : Duration.ofSeconds(fastest.seconds()),
          input.heartbeatTimeout()));
      since.put(node, now);
    }
    for (int from = 0; from < reboots.size(); from += NodeLaunchActivities.BATCH) {
      List<NodeReboot> batch = reboots.subList(from, Math.min(reboots.size(), from + NodeLaunchActivities.BATCH));
      try {
        // To the end: an abort arriving meanwhile must not leave it unknown which nodes started.
        toTheEnd(() -> {
          launcher.launch(List.copyOf(batch));
          return null;
        });
      } catch (ActivityFailure e) {
        batch.forEach(r -> arrived.put(r.target().node(), new NodeResult(r.target().node(), NodeFate.FAILED,
            "its reboot workflow could not be started: " + e.getMessage(), 0)));
      }
    }
  }

  private void collect() {
    takeArrived();
    for (String node : new ArrayList<>(running.keySet())) {
      Promise<NodeResult> done = running.get(node);
      if (!done.isCompleted()) {
        continue;
      }
      running.remove(node);
      NodeResult result;
      try {
        result = done.get();
      } catch (RuntimeException e) {
        result = new NodeResult(node, NodeFate.FAILED, "its reboot workflow failed: " + e.getMessage(), 0);
      }
      ended(node, result);
    }
    report(false);
  }

  /** Reports that came by signal into the window; never blocks, so none can come in between. */
  private void takeArrived() {
    arrived.forEach((node, result) -> {
      running.remove(node);
      ended(node, result);
    });
    arrived.clear();
  }

  /** A node's reboot ended, told by its report or its workflow's end, whichever came first. */
  private void ended(String node, NodeResult result) {
    if (!window.isInFlight(node)) {
      return; // told twice
    }
    since.remove(node);
    window.finished(node, result.fate());
    if (result.fate() == NodeFate.REBOOTED || (result.fate() == NodeFate.FAILED && result.seconds() > 0)) {
      // Once per node: a node told twice returned above. Nodes not rebooted took no time to count.
      UpgradeMetrics.nodeRebootEnded(input.target().toString(), input.stage(), result.fate().name(), result.seconds());
    }
    if (result.fate() == NodeFate.FAILED) {
      failedDetails.add(node + ": " + result.detail());
      log.warn("{}: {} failed: {}", input.stage(), node, result.detail());
    }
    if (result.fate() == NodeFate.REBOOTED) {
      rebootSeconds += result.seconds();
      rebootsTimed++;
      if (slowest == null || result.seconds() > slowest.seconds()) {
        slowest = result;
      }
      if (fastest == null || result.seconds() < fastest.seconds()) {
        fastest = result;
      }
    }
  }

  /** The canary is back: the window opens only if it came back and the stage is no worse than before. */
  private void openAfterCanary(int baseline) {
    if (!window.failed().isEmpty()) {
      throw ApplicationFailure.newNonRetryableFailure("the canary did not come back: " + String.join("; ",
          failedDetails) + "; no other node was started", CANARY_FAILED);
    }
    HealthReport now = toTheEnd(() -> health.check(input.stage(), input.target()));
    if (now.problemsTotal() > baseline) {
      throw ApplicationFailure.newNonRetryableFailure("after the canary the stage has "
          + Text.count(now.problemsTotal(), "problem") + ", " + baseline + " before: " + now.summary() + "; no other node was started", CANARY_FAILED);
    }
    window.open();
  }

  /**
   * The lock stays held across the continue-as-new: the next run refreshes it. Nodes in flight go on
   * (paged): reports already here are taken in, the others come to the next run.
   */
  private void continueAsNew(int baseline) {
    collect();
    awaitReport();
    // Reports that came while the last progress signal was awaited: into the window, right before
    // the state is taken (found by the 20,000-node test: they were dropped).
    takeArrived();
    Workflow.continueAsNew(input.carriedOver(paused, window.state(), baseline, rebootSeconds, rebootsTimed, paging,
        since, failedDetails, slowest, fastest));
  }

  private void report(boolean last) {
    if (input.progressTo() == null) {
      return;
    }
    StageUpgradeWorkflow stage = Workflow.newExternalWorkflowStub(StageUpgradeWorkflow.class, input.progressTo());
    int total = total();
    int done = window.count(NodeFate.REBOOTED) + window.count(NodeFate.ALREADY_AT_TARGET) + window.count(NodeFate.SKIPPED);
    int percent = total == 0 ? 100 : (int) (100L * done / total);
    if (details) {
      // Told when it moved by 5%, or a node failed, the canary ended, a pause, a wait began or ended.
      // At the end, whenever the counts differ from what the stage has.
      RolloutProgress now = progress().bounded();
      String key = last ? now.summary() : percent / REPORT_EVERY_PERCENT + "/" + window.count(NodeFate.FAILED) + "/"
          + window.isOpen() + "/" + paused + "/" + lockWait;
      if (key.equals(last ? lastReportSummary : lastReportKey)) {
        return;
      }
      lastReportKey = key;
      lastReportSummary = now.summary();
      lastReport = Async.procedure(stage::rolloutProgress, now);
      return;
    }
    if (!last && percent - lastReported < REPORT_EVERY_PERCENT) {
      return;
    }
    lastReported = percent;
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

  /** The stage's nodes: those counted, in flight and buffered, or as many as the last page said, if more. */
  private int total() {
    int known = window.remaining() + window.inFlightCount() + window.count(NodeFate.REBOOTED)
        + window.count(NodeFate.ALREADY_AT_TARGET) + window.count(NodeFate.SKIPPED) + window.count(NodeFate.FAILED);
    return paging.more() ? Math.max(known, paging.total()) : known;
  }

  /** Nodes not yet started: buffered, and those on pages not read yet. */
  private int remaining() {
    return total() - window.inFlightCount() - window.count(NodeFate.REBOOTED) - window.count(NodeFate.ALREADY_AT_TARGET)
        - window.count(NodeFate.SKIPPED) - window.count(NodeFate.FAILED);
  }

  @Override
  public void setPaused(boolean paused) {
    this.paused = paused;
  }

  @Override
  public RolloutProgress progress() {
    if (window == null) {
      return new RolloutProgress(0, 0, 0, 0, 0, 0, 0, List.of(), List.of(), 0, null, true, paused, lockWait, null,
          List.of());
    }
    List<RolloutProgress.InFlight> flying = new ArrayList<>();
    since.forEach((node, at) -> flying.add(new RolloutProgress.InFlight(node, window.siteOf(node), at)));
    long mean = rebootsTimed == 0 ? 0 : rebootSeconds / rebootsTimed;
    Instant eta = null;
    if (mean > 0 && window.isOpen()) {
      long rounds = (remaining() + input.limits().maxUnavailable() - 1) / input.limits().maxUnavailable();
      eta = Instant.ofEpochMilli(Workflow.currentTimeMillis()).plusSeconds((rounds + 1) * mean);
    }
    return new RolloutProgress(total(), window.count(NodeFate.REBOOTED), window.count(NodeFate.ALREADY_AT_TARGET),
        window.count(NodeFate.SKIPPED), window.count(NodeFate.FAILED), window.inFlightCount(), remaining(),
        flying, window.failed(), mean, eta, !window.isOpen(), paused,
        lockWait != null ? lockWait : maintenanceWait != null ? maintenanceWait : alertWait, slowest,
        paging.excludedSample());
  }
}
