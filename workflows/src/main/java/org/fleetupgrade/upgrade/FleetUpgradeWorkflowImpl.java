package org.fleetupgrade.upgrade;

import io.temporal.activity.ActivityOptions;
import io.temporal.api.enums.v1.ParentClosePolicy;
import io.temporal.failure.ApplicationFailure;
import io.temporal.workflow.Async;
import io.temporal.workflow.ChildWorkflowOptions;
import io.temporal.workflow.Promise;
import io.temporal.workflow.Workflow;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.fleetupgrade.changelog.ChangelogActivities;
import org.fleetupgrade.changelog.ChangelogReview;
import org.fleetupgrade.changelog.ReviewRequest;
import org.fleetupgrade.fleet.StagePlan;
import org.fleetupgrade.fleet.UpgradeRequest;
import org.fleetupgrade.fleet.ActivityLiveness;
import org.fleetupgrade.health.HealthActivities;
import org.fleetupgrade.health.HealthReport;
import org.fleetupgrade.images.ImageInputs;
import org.fleetupgrade.metrics.UpgradeMetrics;
import org.fleetupgrade.preflight.InventoryActivities;
import org.fleetupgrade.promotion.PromotionMode;
import org.fleetupgrade.promotion.PromotionPolicy;
import org.fleetupgrade.resume.CarriedStage;
import org.fleetupgrade.resume.Resumption;
import org.fleetupgrade.status.Approval;
import org.fleetupgrade.status.FleetState;
import org.fleetupgrade.status.FleetStatus;
import org.fleetupgrade.status.GatePhase;
import org.fleetupgrade.status.GateStatus;
import org.fleetupgrade.status.SearchAttributes;
import org.fleetupgrade.status.StageState;
import org.fleetupgrade.status.StageStatus;
import org.fleetupgrade.status.TimelineEntry;
import org.fleetupgrade.version.TargetVersions;
import org.slf4j.Logger;
import org.fleetupgrade.status.Text;

public class FleetUpgradeWorkflowImpl implements FleetUpgradeWorkflow {

  private static final Logger log = Workflow.getLogger(FleetUpgradeWorkflowImpl.class);

  private final ChangelogActivities changelog = Workflow.newActivityStub(ChangelogActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5)).setRetryOptions(Retries.SHORT_READS).build());

  private final InventoryActivities inventory = Workflow.newActivityStub(InventoryActivities.class,
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(2)).setRetryOptions(Retries.SHORT_READS).build());

  private static final ActivityOptions HEALTH_OPTIONS =
      ActivityOptions.newBuilder().setStartToCloseTimeout(Duration.ofMinutes(5)).setRetryOptions(Retries.SHORT_READS).build();

  private final StepRunner runner = new StepRunner(new StepRunner.Listener() {
    @Override
    public void blocked(String step, String error) {
      lastError = error;
      lastErrorStage = null;
      record(null, "BLOCKED at " + step + ": " + error);
    }

    @Override
    public void unblocked(String step, boolean skip, String reason) {
      if (skip) {
        clearOwnError();
      }
      record(null, (skip ? "skipped " : "retrying ") + step + (reason == null ? "" : ": " + reason));
    }

    @Override
    public void recovered(String step) {
      clearOwnError();
    }

    @Override
    public void pausedChanged(boolean paused, String reason) {
      record(null, (paused ? "paused" : "resumed") + (reason == null ? "" : ": " + reason));
    }
  }, false);

  private final AlertWait alertWait = new AlertWait(runner);

  /** The Temporal Schedule that runs the weekly promotion. */
  public static final String SCHEDULE_ID = "fleet-upgrade-weekly-promotion";

  /** The change id of the review with the fleet's current versions and the acknowledge gate. */
  static final String REVIEW_CHANGE = "review-path-and-acknowledge";

  private String upgradeId;
  private String acknowledgement;
  private TargetVersions target;
  private List<StagePlan> plans = List.of();
  private final Map<String, StageStatus> stages = new LinkedHashMap<>();
  private final Map<String, Long> stageSequence = new LinkedHashMap<>();
  private final List<Approval> approvals = new ArrayList<>();
  private final Deque<TimelineEntry> timeline = new ArrayDeque<>();
  private int timelineDropped;
  private ChangelogReview review;
  private boolean reviewing;
  private String currentStage;
  private StageUpgradeWorkflow activeStage;
  private GateStatus gate;
  /** When the gate's current phase began (workflow time), for its wait time. */
  private long gateSince;
  /** The error something blocked with, until it passes or is skipped; {@code lastErrorStage}: whose (null: ours). */
  private String lastError;
  private String lastErrorStage;
  private FleetState finalState;
  private String publishedState;
  private String imagesTag;
  /** What the previous, unfinished run of this upgrade established; null for a first run. */
  private Resumption resumed;

  @Override
  public FleetStatus run(UpgradeRequest request) {
    upgradeId = Workflow.getInfo().getWorkflowId();
    target = request.target();
    plans = request.stages();
    imagesTag = request.imagesTag();
    // A fleet step names its stage after the colon (stage:production, promotion-health:staging);
    // the changelog review concerns the whole fleet.
    runner.measure(target.kubernetes().toString(), step -> {
      String stage = UpgradeMetrics.stepSubject(step);
      return stage == null ? UpgradeMetrics.FLEET : stage;
    });
    plans.forEach(p -> stages.put(p.name(), StageStatus.pending(p.name())));
    Workflow.upsertTypedSearchAttributes(SearchAttributes.VERSION.valueSet(target.kubernetes().toString()));
    record(null, "upgrade to " + target + " through " + plans.stream().map(StagePlan::name).collect(Collectors.joining(" -> ")));
    resumed = request.resumed();
    if (resumed != null) {
      record(null, "a new run after run " + resumed.shortRunId() + " (" + resumed.previousOutcome()
          + "): every step looks at the fleet and skips what is done; stages found at the target keep that run's"
          + " soaks, approvals and promotions");
    }
    try {
      reviewChangelog(request);
      for (int i = 0; i < plans.size(); i++) {
        StageStatus result = runStage(plans.get(i));
        if (result.state() == StageState.ABORTED) {
          throw new UpgradeAborted(result.lastError() == null ? "stage " + result.name() + " aborted" : result.lastError());
        }
        if (i + 1 < plans.size()) {
          promote(plans.get(i), plans.get(i + 1));
        }
      }
      currentStage = null;
      finalState = FleetState.COMPLETED;
      record(null, "upgrade to " + target.kubernetes() + " completed");
    } catch (UpgradeAborted aborted) {
      clearGate();
      finalState = FleetState.ABORTED;
      record(null, "upgrade aborted: " + aborted.getMessage());
    }
    return status();
  }

  /**
   * Reads the changelog for the path the fleet is actually on, and waits for an operator to
   * acknowledge urgent notes or warnings. Histories from before the acknowledge gate replay the
   * old single review call.
   */
  private void reviewChangelog(UpgradeRequest request) {
    reviewing = true;
    int version = Workflow.getVersion(REVIEW_CHANGE, Workflow.DEFAULT_VERSION, 1);
    if (version == Workflow.DEFAULT_VERSION) {
      review = runner.run(Steps.CHANGELOG, () -> changelog.review(new ReviewRequest(target, List.of(), false))).orElse(null);
    } else {
      review = runner.run(Steps.CHANGELOG, () -> changelog.review(new ReviewRequest(target,
          plans.stream().map(p -> inventory.clusterVersion(p.name())).toList(), request.allowPrerelease()))).orElse(null);
    }
    reviewing = false;
    if (review == null) {
      return;
    }
    record(null, "changelog reviewed (" + review.source() + "): " + review.summary());
    review.warnings().forEach(w -> record(null, "warning: " + w));
    if (version != Workflow.DEFAULT_VERSION && review.needsAttention()) {
      if (request.acknowledged()) {
        acknowledgement = "acknowledged at start";
        record(null, "review acknowledged at start (start --acknowledge)");
        return;
      }
      if (resumed != null && resumed.acknowledged()) {
        acknowledgement = "acknowledged in run " + resumed.shortRunId();
        record(null, "review acknowledged in run " + resumed.shortRunId() + ": not asking again");
        return;
      }
      setGate(new GateStatus("changelog", plans.get(0).name(), GatePhase.WAITING_ACKNOWLEDGEMENT, null,
          "read the review (fleet-upgrade review, or status), then: fleet-upgrade acknowledge " + upgradeId
              + " --reason ..."));
      runner.await(() -> acknowledgement != null);
      clearGate();
    }
  }

  private StageStatus runStage(StagePlan plan) {
    runner.checkpoint();
    currentStage = plan.name();
    String childId = StageUpgradeWorkflow.workflowId(upgradeId, plan.name());
    return runner.run("stage:" + plan.name(), () -> {
      StageUpgradeWorkflow child = Workflow.newChildWorkflowStub(StageUpgradeWorkflow.class,
          ChildWorkflowOptions.newBuilder()
              .setWorkflowId(childId)
              .setParentClosePolicy(ParentClosePolicy.PARENT_CLOSE_POLICY_REQUEST_CANCEL)
              .setStaticSummary("Upgrade " + plan.name() + " (" + plan.project() + ") to " + target.kubernetes())
              .build());
      Promise<StageStatus> done = Async.function(child::run, new StageAssignment(plan, target, upgradeId,
          new ImageInputs(builtBefore(plan), imagesTag)));
      Workflow.getWorkflowExecution(child).get();
      activeStage = child;
      if (runner.paused()) {
        forward(new OperatorCommand(OperatorCommand.Kind.PAUSE, null, "upgrade paused before " + plan.name() + " started"));
      }
      if (runner.aborted()) {
        forward(new OperatorCommand(OperatorCommand.Kind.ABORT, null, "upgrade aborted"));
      }
      try {
        StageStatus result = done.get();
        stages.put(plan.name(), result);
        return result;
      } finally {
        activeStage = null;
      }
    }).orElseGet(() -> stages.get(plan.name()));
  }

  /**
   * The commit the stage just before {@code plan} built and soaked, so the next builds exactly that;
   * null when it built none (its image step skipped, or it was already at the target). Never an
   * older stage's: staging may have built something else since (e.g. rebased by hand).
   */
  private String builtBefore(StagePlan plan) {
    int index = plans.indexOf(plan);
    if (index <= 0) {
      return null;
    }
    StageStatus previous = stages.get(plans.get(index - 1).name());
    boolean built = previous != null && previous.images() != null && previous.images().build() != null
        && previous.images().release() != null;
    if (built) {
      return previous.images().release().commit();
    }
    // Found at the target in this run, so it built nothing now: what it built in the run before.
    CarriedStage carried = carried(plans.get(index - 1));
    return carried == null ? null : carried.imagesCommit();
  }

  private void promote(StagePlan from, StagePlan to) {
    PromotionPolicy policy = from.promotion();
    CarriedStage carried = carried(from);
    if (carried != null && carried.promoted() != null) {
      record(null, "promotion " + from.name() + " -> " + to.name() + " passed in run " + resumed.shortRunId() + " at "
          + carried.promoted().truncatedTo(java.time.temporal.ChronoUnit.SECONDS) + ": not waiting again");
      return;
    }
    if (carried != null && carried.approval() != null
        && approvals.stream().noneMatch(a -> a.stage().equals(from.name()))) {
      approvals.add(new Approval(from.name(), carried.approval() + " (run " + resumed.shortRunId() + ")", now()));
    }
    if (carried != null && carried.reachedTarget() != null) {
      // The stage has been at the target since the previous run: its soak counts from then.
      Instant soakUntil = carried.reachedTarget().plus(policy.soak());
      String detail = "soak " + Text.duration(policy.soak()) + " since " + carried.reachedTarget().truncatedTo(
          java.time.temporal.ChronoUnit.SECONDS) + " (run " + resumed.shortRunId() + ")";
      if (soakUntil.isAfter(now())) {
        setGate(new GateStatus(from.name(), to.name(), GatePhase.SOAKING, soakUntil, detail));
        runner.await(Duration.between(now(), soakUntil), () -> false);
      } else {
        record(null, from.name() + " soaked: " + detail);
      }
    } else {
      Instant soakUntil = now().plus(policy.soak());
      setGate(new GateStatus(from.name(), to.name(), GatePhase.SOAKING, soakUntil, "soak " + Text.duration(policy.soak())));
      runner.await(Duration.between(now(), soakUntil), () -> false);
    }
    boolean approvedBefore = approvals.stream().anyMatch(a -> a.stage().equals(from.name()));
    if (policy.mode() == PromotionMode.APPROVAL && approvedBefore) {
      // Only a resumed run has an approval before its gate: approve is refused until the gate waits.
      record(null, from.name() + " approved in run " + resumed.shortRunId() + ": not asking again");
    } else if (policy.mode() == PromotionMode.APPROVAL) {
      setGate(new GateStatus(from.name(), to.name(), GatePhase.WAITING_APPROVAL, null,
          "approve with: fleet-upgrade approve " + upgradeId + " " + from.name() + " --reason ..."));
      runner.await(() -> approvals.stream().anyMatch(a -> a.stage().equals(from.name())));
    } else if (policy.mode() == PromotionMode.SCHEDULED && approvedBefore) {
      record(null, from.name() + " approved in run " + resumed.shortRunId() + ": not waiting for the schedule");
    } else if (policy.mode() == PromotionMode.SCHEDULED) {
      setGate(new GateStatus(from.name(), to.name(), GatePhase.WAITING_SCHEDULE, null,
          "the weekly promotion (Schedule " + SCHEDULE_ID + ") promotes it; now: fleet-upgrade approve " + upgradeId
              + " " + from.name() + " --reason ..."));
      runner.await(() -> approvals.stream().anyMatch(a -> a.stage().equals(from.name())));
    } else if (policy.mode() == PromotionMode.WINDOW) {
      Instant opening = policy.window().nextOpening(now());
      setGate(new GateStatus(from.name(), to.name(), GatePhase.WAITING_WINDOW, opening, "window " + policy.window()));
      runner.await(Duration.between(now(), opening), () -> false);
    }
    runner.checkpoint();
    awaitPromotionAlerts(from, to);
    // Verified right before promoting, after any wait, so what is promoted is what is healthy now.
    setGate(new GateStatus(from.name(), to.name(), GatePhase.VERIFYING_HEALTH, null, "re-verifying " + from.name()));
    runner.run(Steps.promotionHealth(from.name()), () -> {
      // The soaked stage's health, with that stage's bound on a silent attempt (ActivityLiveness).
      HealthReport report = ActivityLiveness.stub(HealthActivities.class, HEALTH_OPTIONS, from.heartbeatTimeout())
          .check(from.name(), target.kubernetes());
      if (!report.converged()) {
        throw ApplicationFailure.newNonRetryableFailure(
            from.name() + " is not healthy after its soak: " + report.summary(), "NotHealthyAfterSoak");
      }
      return report;
    });
    setGate(new GateStatus(from.name(), to.name(), GatePhase.PASSED, null, "promoting to " + to.name()));
    clearGate();
  }

  /**
   * The alert gate before a promotion: the soaked stage's alerts, then the next stage's (each stage
   * with a gate, in upgrades started with it). While one holds, the gate waits (WAITING_ALERTS,
   * naming them); past the stage's blockAfter the step {@code alerts:<stage>} blocks.
   */
  private void awaitPromotionAlerts(StagePlan from, StagePlan to) {
    String promotion = "the promotion " + from.name() + " -> " + to.name();
    for (StagePlan checked : List.of(from, to)) {
      org.fleetupgrade.alerts.AlertGate alertGate = AlertWait.gate(checked);
      if (alertGate == null) {
        continue;
      }
      alertWait.await(Steps.alerts(checked.name()), checked.name(), alertGate, promotion, new AlertWait.Listener() {
        @Override
        public void record(String event) {
          FleetUpgradeWorkflowImpl.this.record(checked.name(), event);
        }

        @Override
        public void waiting(String stage, org.fleetupgrade.alerts.AlertCheck check) {
          if (check == null) {
            // Cleared (the next phase replaces the gate at once), or blocked: the gate keeps naming the alerts.
            return;
          }
          GateStatus waiting = new GateStatus(from.name(), to.name(), GatePhase.WAITING_ALERTS, null,
              stage + ": " + check.summary());
          if (gate == null || gate.phase() != GatePhase.WAITING_ALERTS) {
            gateEnded();
            gateSince = Workflow.currentTimeMillis();
          }
          // Recorded with the gate's next timeline entry, which names the alerts.
          gate = waiting;
        }
      });
    }
  }

  private void clearGate() {
    gateEnded();
    gate = null;
  }

  /** The phase the gate was in has ended: how long it waited (PASSED is only a moment). */
  private void gateEnded() {
    if (gate != null && gate.phase() != GatePhase.PASSED) {
      String stage = gate.phase() == GatePhase.WAITING_ACKNOWLEDGEMENT ? UpgradeMetrics.FLEET : gate.stage();
      UpgradeMetrics.gateWaited(target.kubernetes().toString(), stage, gate.phase().name(),
          Workflow.currentTimeMillis() - gateSince);
    }
  }

  /**
   * What the previous run established about {@code stage}, if this run found it already at the
   * target and healthy; a stage this run worked on soaks and is promoted from scratch.
   */
  private CarriedStage carried(StagePlan stage) {
    StageStatus status = stages.get(stage.name());
    if (resumed == null || status == null || status.state() != StageState.ALREADY_AT_TARGET) {
      return null;
    }
    return resumed.stage(stage.name());
  }

  private void setGate(GateStatus newGate) {
    gateEnded();
    gate = newGate;
    gateSince = Workflow.currentTimeMillis();
    record(null, "gate " + newGate.stage() + " -> " + newGate.next() + ": " + newGate.phase()
        + (newGate.until() == null ? "" : " until " + newGate.until().truncatedTo(java.time.temporal.ChronoUnit.SECONDS))
        + " (" + newGate.detail() + ")");
  }

  // ---- operator updates ----

  @Override
  public void validateApprove(String stage, String reason) {
    requireRunning();
    StepRunner.requireReason(reason, "approve");
    requireKnownStage(stage);
    if (gate == null || !gate.stage().equals(stage)) {
      throw new IllegalStateException(stage + " is not at a promotion gate"
          + (gate == null ? " (no gate is open; the upgrade is at " + describeWhere() + ")"
              : " (the open gate is after " + gate.stage() + ")"));
    }
    PromotionPolicy policy = plan(stage).promotion();
    if (policy.mode() != PromotionMode.APPROVAL && policy.mode() != PromotionMode.SCHEDULED) {
      throw new IllegalStateException("the gate after " + stage + " promotes by " + policy.mode().name().toLowerCase()
          + ", not by approval");
    }
    // A scheduled gate takes the weekly promotion's approve, or an operator's: promote now.
    if (gate.phase() != GatePhase.WAITING_APPROVAL && gate.phase() != GatePhase.WAITING_SCHEDULE) {
      throw new IllegalStateException(stage + " is not waiting for approval: it is " + gate.phase()
          + (gate.until() == null ? "" : " until " + gate.until()));
    }
  }

  @Override
  public String approve(String stage, String reason) {
    approvals.add(new Approval(stage, reason, now()));
    record(null, "approved promotion of " + stage + ": " + reason);
    return "approved: " + stage + " will be promoted to " + gate.next();
  }

  @Override
  public void validateAcknowledge(String reason) {
    requireRunning();
    StepRunner.requireReason(reason, "acknowledge");
    if (gate == null || gate.phase() != GatePhase.WAITING_ACKNOWLEDGEMENT) {
      throw new IllegalStateException("nothing to acknowledge: the upgrade is at " + describeWhere());
    }
  }

  @Override
  public String acknowledge(String reason) {
    acknowledgement = reason;
    record(null, "review acknowledged: " + reason);
    return "acknowledged: the upgrade goes on with " + plans.get(0).name();
  }

  @Override
  public void validatePause(String reason) {
    requireRunning();
    runner.validatePause();
  }

  @Override
  public String pause(String reason) {
    runner.pause(reason);
    forward(new OperatorCommand(OperatorCommand.Kind.PAUSE, null, reason));
    return "paused: the running step finishes, nothing new starts until resume";
  }

  @Override
  public void validateResume(String reason) {
    requireRunning();
    runner.validateResume();
  }

  @Override
  public String resume(String reason) {
    runner.resume(reason);
    forward(new OperatorCommand(OperatorCommand.Kind.RESUME, null, reason));
    return "resumed";
  }

  @Override
  public void validateRetry(String reason) {
    requireRunning();
    if (blockedStep() == null) {
      throw new IllegalStateException("nothing is blocked: retry applies only to a BLOCKED step (the upgrade is at "
          + describeWhere() + ")");
    }
  }

  @Override
  public String retry(String reason) {
    String step = runner.blockedStep();
    if (step != null) {
      runner.retry(reason);
    } else {
      step = activeBlockedStep();
      forward(new OperatorCommand(OperatorCommand.Kind.RETRY, step, reason));
    }
    return "retrying " + step;
  }

  @Override
  public void validateSkip(String step, String reason) {
    requireRunning();
    StepRunner.checkSkip(blockedStep(), step, reason);
  }

  @Override
  public String skip(String step, String reason) {
    if (runner.blockedStep() != null) {
      runner.skip(step, reason);
    } else {
      forward(new OperatorCommand(OperatorCommand.Kind.SKIP, step, reason));
    }
    return "skipped " + step;
  }

  @Override
  public void validateAbort(String reason) {
    requireRunning();
    runner.validateAbort(reason);
  }

  @Override
  public String abort(String reason) {
    runner.abort(reason);
    forward(new OperatorCommand(OperatorCommand.Kind.ABORT, null, reason));
    return "aborting: " + reason;
  }

  @Override
  public void stageProgress(StageProgress progress) {
    String stage = progress.status().name();
    if (progress.sequence() <= stageSequence.getOrDefault(stage, 0L)) {
      return;
    }
    stageSequence.put(stage, progress.sequence());
    stages.put(stage, progress.status());
    if (progress.status().lastError() != null && progress.status().state() == StageState.BLOCKED) {
      lastError = progress.status().lastError();
      lastErrorStage = stage;
    } else if (stage.equals(lastErrorStage) && progress.status().lastError() == null) {
      // The stage's blocked step passed on retry, or was skipped: its error no longer holds.
      lastError = null;
      lastErrorStage = null;
    }
    append(progress.event());
    publish(progress.event().event());
  }

  private void clearOwnError() {
    if (lastErrorStage == null) {
      lastError = null;
    }
  }

  private void forward(OperatorCommand command) {
    if (activeStage != null) {
      Async.procedure(activeStage::operator, command);
    }
  }

  private String activeBlockedStep() {
    if (activeStage == null || currentStage == null) {
      return null;
    }
    StageStatus s = stages.get(currentStage);
    return s != null && s.state() == StageState.BLOCKED ? s.blockedStep() : null;
  }

  private void requireRunning() {
    if (finalState != null) {
      throw new IllegalStateException("the upgrade is " + finalState);
    }
    if (runner.aborted()) {
      throw new IllegalStateException("the upgrade is being aborted");
    }
  }

  /** The blocked step, whether the fleet's own (a promotion health check) or the running stage's. */
  private String blockedStep() {
    return runner.blockedStep() != null ? runner.blockedStep() : activeBlockedStep();
  }

  private void requireKnownStage(String stage) {
    if (plan(stage) == null) {
      throw new IllegalArgumentException("unknown stage '" + stage + "': stages are "
          + plans.stream().map(StagePlan::name).collect(Collectors.joining(", ")));
    }
  }

  private StagePlan plan(String stage) {
    return plans.stream().filter(p -> p.name().equals(stage)).findFirst().orElse(null);
  }

  private String describeWhere() {
    FleetState s = state();
    return s + (currentStage == null ? "" : " in " + currentStage);
  }

  // ---- status ----

  private FleetState state() {
    if (finalState != null) {
      return finalState;
    }
    if (blockedStep() != null) {
      return FleetState.BLOCKED;
    }
    if (runner.paused()) {
      return FleetState.PAUSED;
    }
    if (reviewing) {
      return FleetState.REVIEWING;
    }
    return gate != null ? FleetState.GATE : FleetState.RUNNING;
  }

  @Override
  public FleetStatus status() {
    return new FleetStatus(upgradeId, target, state(), runner.paused(), currentStage, gate, blockedStep(), lastError,
        review, new ArrayList<>(stages.values()), approvals, new ArrayList<>(timeline), timelineDropped, resumed);
  }

  private void record(String stage, String event) {
    TimelineEntry entry = new TimelineEntry(now(), stage, event);
    log.info("{}: {}", upgradeId, event);
    append(entry);
    publish(event);
  }

  private void append(TimelineEntry entry) {
    timeline.addLast(entry);
    while (timeline.size() > FleetStatus.TIMELINE_LIMIT) {
      timeline.removeFirst();
      timelineDropped++;
    }
  }

  /** Search attributes change only with the state or stage; the web UI details with every event. */
  private void publish(String event) {
    FleetState state = state();
    String shown = state + "/" + currentStage;
    if (!shown.equals(publishedState)) {
      publishedState = shown;
      Workflow.upsertTypedSearchAttributes(
          SearchAttributes.STATE.valueSet(state.name()),
          currentStage == null ? SearchAttributes.STAGE.valueUnset() : SearchAttributes.STAGE.valueSet(currentStage));
    }
    Workflow.setCurrentDetails(StatusMarkdown.fleet(status(), event));
  }

  private static Instant now() {
    return Instant.ofEpochMilli(Workflow.currentTimeMillis());
  }
}
